/**
 * Who the chain refuses: peers banned for a while (they sent an invalid block, vote or
 * justification) and peers denied by an operator or a partition test. The gate is handed to the
 * libp2p host as its `connectionGater` ({@link PeerGate.connectionGater}), so a refused peer
 * cannot connect at all, in either direction; the chain's network checks it again for its own
 * protocols and closes connections that were open when a ban or deny started.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'

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

  /** Whether the chain's protocols (gossip, sync, transactions) refuse `peer`. */
  refuses(peer: PeerId): boolean {
    return this.isDenied(peer) || this.isBanned(peer)
  }

  /** Whether the host refuses connections with `peer` (denied, or banned with the `'connection'` scope). */
  refusesConnection(peer: PeerId): boolean {
    return this.isDenied(peer) || (this.banScope === 'connection' && this.isBanned(peer))
  }
}
