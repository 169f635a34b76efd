import type { ComponentLogger } from '@crust-ts/base'
import { DEFAULT_SWARM_LISTEN, type DhtOptions } from '@crust-ts/p2p'
import type { IpfsHost, ProviderHints } from '../libp2p/index.js'
import type { RepoDurability } from '../store/index.js'
import { DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_SCORED_PEERS, DEFAULT_STORAGE_MAX } from './constants.js'
import { IpfsNodeError, IpfsNodeErrorCode } from './errors.js'

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
  /**
   * Who holds a CID, by knowledge from outside IPFS (the chain's replica records): asked before the
   * DHT for every fetch, and the peers it names are dialled (see `hintRouter`). Default: none.
   */
  providerHints?: ProviderHints
  /**
   * With provider hints, a DAG's blocks are spread over the hinted holders; a holder that delivers
   * nothing for this long while it has wants has stalled and its wants go to another. Default 5 000.
   */
  holderStallMs?: number
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

/** {@link IpfsNodeInit} with the defaults applied. */
export type IpfsNodeConfig = IpfsNodeInit & typeof defaultIpfsNodeOptions

/** The `IPFS_ERROR_INVALID_OPTIONS` error for `reason`. */
export function invalidOptions(reason: string): IpfsNodeError {
  return new IpfsNodeError({ code: IpfsNodeErrorCode.INVALID_OPTIONS, reason }, `invalid IPFS node options: ${reason}`)
}

function validate(init: IpfsNodeInit): void {
  if (typeof init.repoPath !== 'string' || init.repoPath === '') throw invalidOptions('repoPath must be a non-empty path')
  const timeout = init.fetchTimeoutMs
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw invalidOptions('fetchTimeoutMs must be a positive number')
  const stall = init.holderStallMs
  if (stall !== undefined && !(Number.isFinite(stall) && stall > 0)) throw invalidOptions('holderStallMs must be a positive number')
  for (const [name, list] of [
    ['swarm', init.swarm],
    ['bootstrap', init.bootstrap],
  ] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((a) => typeof a !== 'string'))) {
      throw invalidOptions(`${name} must be a list of multiaddr strings`)
    }
  }
  if (init.durability !== undefined && init.durability !== 'sync' && init.durability !== 'overlapping') {
    throw invalidOptions("durability must be 'sync' or 'overlapping'")
  }
}

/** Checks `init` and applies the defaults (once, when the node is built); throws `IPFS_ERROR_INVALID_OPTIONS`. */
export function resolveIpfsNodeConfig(init: IpfsNodeInit): IpfsNodeConfig {
  validate(init)
  return { ...defaultIpfsNodeOptions, ...init }
}
