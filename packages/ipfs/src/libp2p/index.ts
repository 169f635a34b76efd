/**
 * Helia's side of the node's libp2p host (the host itself is `@crust-ts/p2p`): the bitswap loader
 * and the Helia router over the host's content and peer routing.
 */
export { type BitswapInit, type HeliaOnHost, loadWithBitswap, type WithBitswap } from './bitswap.js'
export type { IpfsHost } from './host.js'
export { LIBP2P_ROUTER_NAME, libp2pRouter } from './routing.js'
export { HINT_ROUTER_NAME, type HintedPeer, hintRouter, type HintRouterInit, MAX_HINTED_PROVIDERS, type ProviderHints } from './provider-hints.js'
