/**
 * The contract between the IPFS node and what serves it (the Kubo-compatible API, the gateway,
 * later sManager and sWorker). Content operations go through Helia and its UnixFS; the node adds
 * what Helia does not have: its repo (size, path), a configurable fetch timeout, and per-peer
 * retrieval scores.
 */
import type { UnixFS } from '@helia/unixfs'
import type { Helia } from 'helia'

/** Per-peer retrieval record: how well a peer serves blocks we ask it for. */
export interface PeerRetrievalScore {
  peerId: string
  successes: number
  failures: number
  /** Bytes received from the peer. */
  bytes: number
  /** Mean latency of successful block fetches, in milliseconds. */
  meanLatencyMs: number
  /** Higher is better; a later issue adds on-chain replica information to it. */
  score: number
}

export interface RetrievalScores {
  record(peerId: string, outcome: { ok: boolean; bytes?: number; latencyMs?: number }): void
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

export interface IpfsNode {
  readonly helia: Helia
  readonly fs: UnixFS
  /** How long to wait for a block from the network before giving up, in milliseconds. */
  readonly fetchTimeoutMs: number
  readonly retrieval: RetrievalScores
  repoStat(): Promise<RepoStat>
  start(): Promise<void>
  stop(): Promise<void>
}
