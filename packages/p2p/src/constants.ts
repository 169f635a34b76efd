/** Name of the peer key file (in an IPFS repo, or in a chain node's base path). */
export const PEER_KEY_FILE = 'peer.key'

/** File mode of the peer key: readable and writable by the owner only. */
export const PEER_KEY_MODE = 0o600

/** Default TCP listen address (Kubo's swarm port). */
export const DEFAULT_SWARM_LISTEN = '/ip4/0.0.0.0/tcp/4001'

/** Name and version the host announces through identify. */
export const HOST_NODE_INFO = { name: 'crust-ts', version: '0.1.0' }

/** How often a host dials its bootstrap peers it is not connected to (after a partition heals, say). */
export const DEFAULT_BOOTSTRAP_REDIAL_MS = 10_000
