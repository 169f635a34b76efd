/**
 * @packageDocumentation
 *
 * The libp2p host a crust-ts node builds once and hands to every part that speaks on the network
 * (the IPFS node's bitswap, the chain's gossip and sync): one peer id, one TCP port. TCP, noise,
 * yamux, identify and ping, optionally the Kademlia DHT and bootstrap dialling, plus the services
 * and connection gater the parts bring. The peer key is loaded from (or created in) a key file.
 *
 * @example
 * ```ts
 * import { createLibp2pHost, PEER_KEY_FILE } from '@crust-ts/p2p'
 *
 * const host = await createLibp2pHost({ peerKeyPath: `./data/${PEER_KEY_FILE}`, listen: ['/ip4/127.0.0.1/tcp/0'] })
 * await host.start()
 * console.info(host.peerId.toString(), host.getMultiaddrs().map(String))
 * await host.stop()
 * ```
 */
export { DEFAULT_BOOTSTRAP_REDIAL_MS, DEFAULT_SWARM_LISTEN, HOST_NODE_INFO, PEER_KEY_FILE, PEER_KEY_MODE } from './constants.js'
export { BootstrapRedial, type BootstrapRedialComponents, bootstrapRedial } from './bootstrap-redial.js'
export { Libp2pHostError, Libp2pHostErrorCode, type Libp2pHostErrorType } from './errors.js'
export { type CreateLibp2pHostErrorType, createLibp2pHost, type HostServices, type Libp2pHost } from './host.js'
export { type DhtOptions, defaultLibp2pHostOptions, type Libp2pHostInit } from './options.js'
export { loadOrCreatePeerKey, peerIdOfKeyFile } from './peer-key.js'
