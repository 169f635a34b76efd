import type { Libp2pHost } from '@crust-ts/p2p'

/**
 * The host an IPFS node runs on: any `@crust-ts/p2p` host (identify, ping, the DHT when on). Bitswap
 * needs no service of its own: the node attaches it to the host's registrar when it starts.
 */
export type IpfsHost = Libp2pHost
