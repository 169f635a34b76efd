import type { PeerRetrievalScore, RetrievalScores } from '../interface.js'
import { DEFAULT_MAX_SCORED_PEERS } from './constants.js'

/** How many failures a named holder's failure to deliver counts for. */
export const NAMED_HOLDER_FAILURE_WEIGHT = 2

/**
 * How many failures a wrong block counts for: a peer that sends bytes that do not hash to what was
 * asked (corrupted, or a block never asked for) lies, which is worse than not answering.
 */
export const WRONG_BLOCK_FAILURE_WEIGHT = 4

/** Wrong blocks after which a peer is shunned (hung up on, not dialled as a hinted holder)... */
export const WRONG_BLOCKS_TO_SHUN = 3
/** ...unless they are at most this share of the blocks it served (a rare bad disk sector is forgiven). */
export const WRONG_BLOCK_SHARE_FORGIVEN = 0.01

/** Options of {@link DefaultRetrievalScores}. */
export interface RetrievalScoresInit {
  /** Most peers remembered; the least recently updated are forgotten first. Default 10 000. */
  maxPeers?: number
  /** Weight multiplied into a peer's score (the chain-aware ranking hook); default 1. */
  peerWeight?: (peerId: string) => number
}

/** Totals over every recorded retrieval. */
export interface RetrievalTotals {
  /** Blocks received from peers. */
  blocksReceived: number
  /** Bytes of those blocks. */
  dataReceived: number
  /** Retrievals that failed (a peer was asked and did not deliver in time). */
  failures: number
}

/** What is remembered of one peer (and what a snapshot holds). */
export interface PeerRecordTotals {
  successes: number
  failures: number
  bytes: number
  latencySumMs: number
  /** Blocks it sent that did not hash to anything asked for (absent in files saved before they were counted). */
  wrongBlocks?: number
}
type Record_ = PeerRecordTotals

/**
 * Per-peer retrieval record fed by bitswap (see the node's scoring block broker): a success per
 * block a peer delivered (with its latency from the first want sent to that peer), a failure per
 * peer that was asked for a block and did not deliver it before the fetch timeout.
 *
 * `score = (successes + 1) / (successes + failures + 2) × 1000 / (1000 + meanLatencyMs) × weight`:
 * the smoothed success rate (an unknown peer starts at 0.5), discounted by latency (halved at one
 * second), times the `peerWeight` hook that a later issue feeds with on-chain replica information.
 */
export class DefaultRetrievalScores implements RetrievalScores {
  private readonly peers = new Map<string, Record_>()
  /** Peers named as holders of something this node fetched (provider hints): their failures count double. */
  private readonly namedHolders = new Set<string>()
  private readonly maxPeers: number
  private readonly peerWeight: (peerId: string) => number
  private readonly sums: RetrievalTotals = { blocksReceived: 0, dataReceived: 0, failures: 0 }

  constructor(init: RetrievalScoresInit = {}) {
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_SCORED_PEERS
    this.peerWeight = init.peerWeight ?? (() => 1)
  }

  /**
   * Records one block's outcome for `peerId`: delivered (`ok`), not delivered in time, or `wrong`
   * (it sent a block that hashes to nothing asked for: {@link WRONG_BLOCK_FAILURE_WEIGHT} failures).
   */
  record(peerId: string, outcome: { ok: boolean; wrong?: boolean; bytes?: number; latencyMs?: number }): void {
    const entry = this.peers.get(peerId) ?? { successes: 0, failures: 0, bytes: 0, latencySumMs: 0 }
    // re-insert so Map order is least recently updated first
    this.peers.delete(peerId)
    if (outcome.ok) {
      entry.successes++
      entry.bytes += outcome.bytes ?? 0
      entry.latencySumMs += Math.max(0, outcome.latencyMs ?? 0)
      this.sums.blocksReceived++
      this.sums.dataReceived += outcome.bytes ?? 0
    } else if (outcome.wrong === true) {
      entry.failures += WRONG_BLOCK_FAILURE_WEIGHT
      entry.wrongBlocks = (entry.wrongBlocks ?? 0) + 1
      this.sums.failures++
    } else {
      // A peer the chain says holds the data and does not serve it fails a promise, not a guess.
      entry.failures += this.namedHolders.has(peerId) ? NAMED_HOLDER_FAILURE_WEIGHT : 1
      this.sums.failures++
    }
    this.peers.set(peerId, entry)
    while (this.peers.size > this.maxPeers) {
      const oldest = this.peers.keys().next().value
      if (oldest === undefined) break
      this.peers.delete(oldest)
    }
  }

  /** Marks `peerId` as named a holder (by provider hints): from now on each failure of it counts double. */
  noteNamedHolder(peerId: string): void {
    this.namedHolders.delete(peerId)
    this.namedHolders.add(peerId)
    if (this.namedHolders.size > this.maxPeers) this.namedHolders.delete(this.namedHolders.values().next().value!)
  }

  /**
   * Whether `peerId` sent too many wrong blocks to be asked again: at least {@link WRONG_BLOCKS_TO_SHUN},
   * and more than {@link WRONG_BLOCK_SHARE_FORGIVEN} of the blocks it delivered.
   */
  isShunned(peerId: string): boolean {
    const wrong = this.peers.get(peerId)?.wrongBlocks ?? 0
    return wrong >= WRONG_BLOCKS_TO_SHUN && wrong > this.peers.get(peerId)!.successes * WRONG_BLOCK_SHARE_FORGIVEN
  }

  /** The score of `peerId`, or that of an unknown peer (0.5, times its weight). */
  scoreOf(peerId: string): number {
    const entry = this.peers.get(peerId)
    return this.view(peerId, entry ?? { successes: 0, failures: 0, bytes: 0, latencySumMs: 0 }).score
  }

  /** The record of one peer, if any. */
  get(peerId: string): PeerRetrievalScore | undefined {
    const entry = this.peers.get(peerId)
    return entry === undefined ? undefined : this.view(peerId, entry)
  }

  /** Every remembered peer, best score first. */
  list(): PeerRetrievalScore[] {
    return [...this.peers].map(([peerId, entry]) => this.view(peerId, entry)).sort((a, b) => b.score - a.score)
  }

  /** Every peer's totals, least recently updated first: what a restart restores. */
  snapshot(): Array<[string, PeerRecordTotals]> {
    return [...this.peers].map(([peerId, entry]) => [peerId, { ...entry }])
  }

  /** Adds a snapshot's peers (older than anything recorded since), keeping at most `maxPeers`. */
  restore(entries: ReadonlyArray<readonly [string, PeerRecordTotals]>): void {
    const now = [...this.peers]
    this.peers.clear()
    for (const [peerId, entry] of [...entries, ...now]) {
      this.peers.delete(peerId)
      this.peers.set(peerId, { ...entry })
    }
    while (this.peers.size > this.maxPeers) this.peers.delete(this.peers.keys().next().value!)
  }

  /** Totals over every retrieval recorded since the node started. */
  totals(): RetrievalTotals {
    return { ...this.sums }
  }

  private view(peerId: string, entry: Record_): PeerRetrievalScore {
    const meanLatencyMs = entry.successes === 0 ? 0 : entry.latencySumMs / entry.successes
    const rate = (entry.successes + 1) / (entry.successes + entry.failures + 2)
    const weight = this.peerWeight(peerId)
    return {
      peerId,
      successes: entry.successes,
      failures: entry.failures,
      bytes: entry.bytes,
      wrongBlocks: entry.wrongBlocks ?? 0,
      meanLatencyMs,
      score: rate * (1000 / (1000 + meanLatencyMs)) * (Number.isFinite(weight) && weight >= 0 ? weight : 1),
    }
  }
}
