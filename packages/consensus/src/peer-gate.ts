/**
 * Who the chain refuses: peers banned for a while (they sent an invalid block, vote or
 * justification) and peers denied by an operator or a partition test. The gate is handed to the
 * libp2p host as its `connectionGater` ({@link PeerGate.connectionGater}), so a refused peer
 * cannot connect at all, in either direction; the chain's network checks it again for its own
 * protocols and closes connections that were open when a ban or deny started. Misbehaviour that is
 * not certainly hostile adds to a peer's score ({@link PeerGate.penalise}); the peer is banned when
 * the score reaches {@link BAN_SCORE}.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { BAN_MS, BAN_SCORE, MAX_SCORED_PEERS, SCORE_DECAY_PER_SECOND } from './constants.js'

/**
 * Where a ban acts: `'connection'` (a host of the chain's own: the banned peer cannot connect) or
 * `'protocols'` (a host shared with IPFS: the peer keeps its connection for bitswap, whose peers
 * IPFS scores itself; the chain's gossip, sync and transactions refuse it). Denied peers are
 * refused connections in both scopes.
 */
export type BanScope = 'connection' | 'protocols'

export interface PeerGateInit {
  /** Default `'connection'`. */
  banScope?: BanScope
}

export class PeerGate {
  readonly banScope: BanScope
  private readonly banned = new Map<string, number>()
  /** Peer id -> penalty score and when it was last updated (ms), least recently penalised first. */
  private readonly scores = new Map<string, { score: number; at: number }>()
  private denied = new Set<string>()
  /**
   * The libp2p connection gater: dials to, and encrypted or upgraded connections with, a refused
   * peer are denied (so no connection opens and no protocol runs). Pass it to the host's options.
   */
  readonly connectionGater: ConnectionGater

  constructor(init: PeerGateInit = {}) {
    this.banScope = init.banScope ?? 'connection'
    const deny = (peer: PeerId) => this.refusesConnection(peer)
    this.connectionGater = {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
    }
  }

  /** Bans `peer` until `until` (ms since the epoch); a longer ban already running is kept. */
  ban(peer: PeerId, until: number): void {
    const id = peer.toString()
    this.banned.set(id, Math.max(until, this.banned.get(id) ?? 0))
    if (this.banned.size > MAX_SCORED_PEERS) {
      const now = Date.now()
      for (const [other, end] of this.banned) if (end <= now) this.banned.delete(other)
    }
  }

  /**
   * Adds `cost` to the peer's penalty score (which decays by {@link SCORE_DECAY_PER_SECOND}); at
   * {@link BAN_SCORE} the peer is banned for {@link BAN_MS} and its score starts again from zero.
   * Returns the score and whether this penalty banned the peer.
   */
  penalise(peer: PeerId, cost: number, now = Date.now()): { score: number; banned: boolean } {
    const id = peer.toString()
    const score = this.score(peer, now) + cost
    this.scores.delete(id)
    if (score >= BAN_SCORE) {
      this.ban(peer, now + BAN_MS)
      return { score, banned: true }
    }
    this.scores.set(id, { score, at: now })
    if (this.scores.size > MAX_SCORED_PEERS) this.scores.delete(this.scores.keys().next().value!)
    return { score, banned: false }
  }

  /** The peer's current penalty score (0 when it has none). */
  score(peer: PeerId, now = Date.now()): number {
    const entry = this.scores.get(peer.toString())
    if (entry === undefined) return 0
    return Math.max(0, entry.score - ((now - entry.at) / 1000) * SCORE_DECAY_PER_SECOND)
  }

  /** The ids of the peers banned now. */
  bannedPeers(): string[] {
    const now = Date.now()
    return [...this.banned].filter(([, until]) => until > now).map(([id]) => id)
  }

  isBanned(peer: PeerId): boolean {
    const id = peer.toString()
    const until = this.banned.get(id)
    if (until === undefined) return false
    if (until > Date.now()) return true
    this.banned.delete(id)
    return false
  }

  isDenied(peer: PeerId): boolean {
    return this.denied.has(peer.toString())
  }

  /** Replaces the denied set (peer ids); returns the ids denied before and let in now. */
  setDenied(peers: Iterable<string>): string[] {
    const before = this.denied
    this.denied = new Set(peers)
    return [...before].filter((id) => !this.denied.has(id))
  }

  /** The denied peer ids. */
  deniedPeers(): string[] {
    return [...this.denied]
  }

  /** {@link PeerGate.refuses} by peer id string (gossipsub scores peers by id). */
  refusesId(id: string): boolean {
    if (this.denied.has(id)) return true
    const until = this.banned.get(id)
    return until !== undefined && until > Date.now()
  }

  /** Whether the chain's protocols (gossip, sync, transactions) refuse `peer`. */
  refuses(peer: PeerId): boolean {
    return this.isDenied(peer) || this.isBanned(peer)
  }

  /** Whether the host refuses connections with `peer` (denied, or banned with the `'connection'` scope). */
  refusesConnection(peer: PeerId): boolean {
    return this.isDenied(peer) || (this.banScope === 'connection' && this.isBanned(peer))
  }
}
