/**
 * The contract between the IPFS node and what serves it (the Kubo-compatible API, the gateway,
 * later sManager and sWorker). Content operations go through Helia and its UnixFS; the node adds
 * what Helia does not have: its repo (size, path), a configurable fetch timeout, and per-peer
 * retrieval scores.
 */
import type { UnixFS } from '@helia/unixfs'
import type { GCOptions, Helia } from 'helia'
import type { Libp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'

/** Per-peer retrieval record: how well a peer serves blocks we ask it for. */
export interface PeerRetrievalScore {
  peerId: string
  successes: number
  failures: number
  /** Bytes received from the peer. */
  bytes: number
  /** Blocks it sent that hashed to nothing this node asked for (corrupted or unasked). */
  wrongBlocks: number
  /** Mean latency of successful block fetches, in milliseconds. */
  meanLatencyMs: number
  /** Higher is better; a later issue adds on-chain replica information to it. */
  score: number
}

export interface RetrievalScores {
  record(peerId: string, outcome: { ok: boolean; wrong?: boolean; bytes?: number; latencyMs?: number }): void
  list(): PeerRetrievalScore[]
}

export interface RepoStat {
  /** Bytes of stored blocks (and their index). */
  repoSize: bigint
  numObjects: bigint
  storageMax: bigint
  repoPath: string
  version: string
}

/** What bitswap did for this node: the `/api/v0/stats/bitswap`-like view. */
export interface BitswapStat {
  /** CIDs this node is waiting for from peers. */
  wantlist: CID[]
  /** Connected peers that speak bitswap (peer ids). */
  peers: string[]
  /** Blocks received from peers since the node started. */
  blocksReceived: number
  /** Bytes of those blocks. */
  dataReceived: number
  /** Per-peer retrieval records, best score first. */
  retrieval: PeerRetrievalScore[]
}

export interface IpfsNode {
  readonly helia: Helia
  readonly fs: UnixFS
  /** The libp2p host the node speaks on (one peer id per node; may be shared with the chain). */
  readonly libp2p: Libp2p
  /** How long to wait for a block from the network before giving up, in milliseconds. */
  readonly fetchTimeoutMs: number
  readonly retrieval: RetrievalScores
  repoStat(): Promise<RepoStat>
  /**
   * Removes every block that no pin protects (Helia's `gc`, under the node's pin lock, so it never
   * runs while an add+pin or a pin is in progress). `helia.gc()` takes the same path.
   */
  gc(options?: GCOptions): Promise<void>
  /**
   * Runs `fn` holding the pin lock shared. Wrap an add that is then pinned (add + `helia.pins.add`)
   * in it: garbage collection waits until `fn` is done, so it cannot delete the new blocks before
   * they are pinned. `helia.pins.add` takes it by itself; nesting is allowed.
   */
  withPinLock<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Runs an import whose block writes overlap with hashing (write-behind); resolves once every
   * block written inside is committed. Stores without such a mode simply run `fn`.
   */
  writeBehind<T>(fn: () => Promise<T>): Promise<T>
  /** Bitswap's view for `/api/v0/stats/bitswap`: want list, peers, received totals, retrieval scores. */
  bitswapStat(): Promise<BitswapStat>
  start(): Promise<void>
  stop(): Promise<void>
}
