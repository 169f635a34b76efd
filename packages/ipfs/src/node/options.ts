import type { ComponentLogger } from '@crust-ts/base'
import { DEFAULT_SWARM_LISTEN, type DhtOptions } from '@crust-ts/p2p'
import type { IpfsHost } from '../libp2p/index.js'
import type { RepoDurability } from '../store/index.js'
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_SCORED_PEERS, DEFAULT_STORAGE_MAX } from './constants.js'

/** Options of {@link createIpfsNode}. */
export interface IpfsNodeInit {
  /** The repo folder: blocks, datastore (pins), peer key, lock. Created if missing. */
  repoPath: string
  /** Listen multiaddrs; default `/ip4/0.0.0.0/tcp/4001` (tests use `/ip4/127.0.0.1/tcp/0`). */
  swarm?: string[]
  /** Peers dialled at start; none by default. */
  bootstrap?: string[]
  /** Kademlia DHT: off by default (dev and tests dial peers explicitly); production configs turn it on. */
  dht?: boolean | DhtOptions
  /** How long to wait for one block from the network, in milliseconds; default 60 000. */
  fetchTimeoutMs?: number
  /**
   * An existing libp2p host to share (e.g. with the chain): the node attaches bitswap to it, starts
   * it if it is not started, and never stops it (its owner does). `swarm`, `bootstrap` and `dht`
   * are then the host's business and ignored here. Without it the node builds and owns its host,
   * with the peer key from the repo (through `@crust-ts/p2p`).
   */
  libp2p?: IpfsHost
  /** Structured logging (the node logs as `ipfs:node`); silent by default. */
  logger?: ComponentLogger
  /** When an acknowledged write is on disk; default `overlapping` (survives SIGKILL, see RepoDurability). */
  durability?: RepoDurability
  /** Reported as `StorageMax` by `repo stat`; default 10 GB (Kubo's default). */
  storageMax?: number
  /** Start the node before returning; default true. */
  start?: boolean
  /** Most peers kept in the retrieval scores; default 10 000. */
  maxScoredPeers?: number
  /**
   * Hook for chain-aware ranking: a weight per peer multiplied into its retrieval score (e.g. from
   * the replicas the chain says the peer stores). Default: 1 for every peer.
   */
  peerWeight?: (peerId: string) => number
}

/** Defaults of {@link IpfsNodeInit}. */
export const defaultIpfsNodeOptions = {
  swarm: [DEFAULT_SWARM_LISTEN],
  bootstrap: [] as string[],
  dht: false as boolean | DhtOptions,
  fetchTimeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
  durability: 'overlapping' as RepoDurability,
  storageMax: DEFAULT_STORAGE_MAX,
  start: true,
  maxScoredPeers: DEFAULT_MAX_SCORED_PEERS,
}
