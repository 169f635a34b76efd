/**
 * Sync: asks peers for their best block and downloads what this node misses, headers first
 * (`sync-headers-first.ts`: the chain's header checks on a batch of headers before any body is
 * fetched, then the bodies, each block imported by executing it). A peer that does not speak the
 * `headers` request (an older node) is synced in block ranges (`sync-range.ts`); finality is
 * caught up from peers' justifications (`sync-finality.ts`); orphan gossiped blocks and blocks
 * named by hash are fetched with their ancestors (`sync-unknown-block.ts`). Runs on start, when a
 * peer connects, after an orphan, and every {@link SYNC_INTERVAL_MS}. A peer's best block of the
 * same height as ours but unknown here (another fork of equal length, e.g. after a partition
 * heals) is fetched too, so fork choice sees both heads; so are blocks others vote for
 * ({@link ChainSync.requestBlock}).
 *
 * A peer's status is a claim, never trusted: only headers a peer served that passed the header
 * checks count toward {@link ChainSync.behind} (authoring waits only on those), and a peer that
 * claims blocks it then does not serve (no headers, no bodies, no justifications) is penalised
 * ({@link Penalty.FALSE_CLAIM}), so a liar ends banned after a few rounds.
 */
import type { Chain } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { MAX_AUTHORING_LAG, SYNC_INTERVAL_MS } from './constants.js'
import type { ChainNetwork } from './network.js'
import { syncFinality } from './sync-finality.js'
import { HeadersFirstSync, type PeerStatus } from './sync-headers-first.js'
import { syncRanges } from './sync-range.js'
import { UnknownBlockSync, type UnknownBlockSyncComponents, type UnknownBlockStats } from './sync-unknown-block.js'

/** What sync holds now (observability, tests): the highest verified header and the unknown-block fetches and orphans. */
export interface SyncStats extends UnknownBlockStats {
  /** The highest header a peer served that passed the header checks, in the current or last round (0: none above the best block). */
  verifiedBest: number
}

export interface ChainSyncComponents {
  chain: Chain
  network: ChainNetwork
  logger: ComponentLogger
  /** Verifies and applies a peer's justification (the finality gadget); false when its block is unknown. */
  importJustification?(bytes: Uint8Array): boolean
}

export class ChainSync {
  private readonly log: Logger
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly abort = new AbortController()
  /** The highest header number peers served and that passed the header checks, this round and the last. */
  private verifiedBest = 0
  private roundVerified = 0
  private readonly parts: UnknownBlockSyncComponents
  private readonly unknown: UnknownBlockSync
  private readonly headersFirst: HeadersFirstSync

  constructor(private readonly components: ChainSyncComponents) {
    this.log = components.logger.forComponent('consensus:sync')
    this.parts = {
      chain: components.chain,
      network: components.network,
      log: this.log,
      signal: this.abort.signal,
      verified: (number) => {
        this.roundVerified = Math.max(this.roundVerified, number)
        this.verifiedBest = Math.max(this.verifiedBest, number)
      },
    }
    this.unknown = new UnknownBlockSync(this.parts, { syncNeeded: () => this.trigger() })
    this.headersFirst = new HeadersFirstSync(this.parts, this.unknown)
  }

  start(): void {
    const { network } = this.components
    network.on('orphan', (peer, block) => {
      this.unknown.connectOrphan(peer, block).catch((err: unknown) => this.log.debug({ err }, 'orphan block not connected'))
    })
    this.timer = setInterval(() => this.trigger(), SYNC_INTERVAL_MS)
    this.timer.unref()
    this.trigger()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.abort.abort()
    await this.running?.catch(() => {})
  }

  /**
   * Whether headers that peers served and that passed the header checks (a slot author's seal
   * each) are more than {@link MAX_AUTHORING_LAG} blocks above our best block (authoring waits
   * then). A peer's claimed best alone never makes it true.
   */
  get behind(): boolean {
    return this.verifiedBest > this.components.chain.best.number + MAX_AUTHORING_LAG
  }

  /** The verified best header and the unknown-block fetches and orphans held now. */
  stats(): SyncStats {
    return { verifiedBest: this.verifiedBest, ...this.unknown.stats() }
  }

  /** Runs a sync round now (or right after the current one). */
  trigger(): void {
    if (this.abort.signal.aborted) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.round()
      .catch((err: unknown) => this.log.debug({ err }, 'sync round failed'))
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.trigger()
        }
      })
  }

  /**
   * Fetches block `hash` (0x hex) and its missing ancestors, from `from` first, then from the other
   * peers; nothing when the block is known or already being fetched. Resolves to whether the
   * block is known afterwards.
   */
  requestBlock(hash: string, from?: PeerId): Promise<boolean> {
    return this.unknown.requestBlock(hash, from)
  }

  /** Catches up with every peer that is ahead, one at a time. */
  private async round(): Promise<void> {
    const { chain, network } = this.components
    const signal = this.abort.signal
    this.roundVerified = 0
    // Statuses in parallel: a peer that answers slowly (or never, until the request times out) does not hold up the others.
    const answers = await Promise.all(
      network.peers().map(async (peer) => {
        try {
          const status = await network.requestStatus(peer, signal)
          return status.genesis === chain.genesis.hashHex ? { peer, status } : undefined
        } catch {
          return undefined
        }
      }),
    )
    const statuses = answers.filter((s): s is PeerStatus => s !== undefined)
    for (const { peer, status } of statuses) {
      if (signal.aborted) return
      if (network.isBanned(peer)) continue
      try {
        await this.syncWith(peer, status, statuses)
      } catch (err) {
        // One peer's failure (a request refused, timed out or beyond its bounds) does not end the round.
        this.log.debug({ err, peer: peer.toString() }, 'sync with peer failed')
      }
    }
    // What this round verified replaces what the last one did: headers verified long ago (a peer
    // that served headers but not their bodies) stop pausing authoring after one round.
    this.verifiedBest = this.roundVerified
  }

  /** Catches up with one peer (its best block, then its finality), penalising claims it does not serve. */
  private async syncWith(peer: PeerId, status: PeerStatus['status'], statuses: PeerStatus[]): Promise<void> {
    const { chain, network } = this.components
    {
      // Another head of the same height: fetch it, fork choice decides between the two.
      if (status.best.number === chain.best.number && status.best.hash !== chain.best.hashHex) await this.requestBlock(status.best.hash, peer)
      if (status.best.number <= chain.best.number) {
        if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number)
        return
      }
      const started = chain.best.number
      const helpers = statuses.filter((s) => !s.peer.equals(peer))
      if ((await this.headersFirst.sync(peer, status.best.number, helpers)) === 'legacy') await syncRanges(this.parts, this.unknown, peer, status.best.number)
      if (chain.best.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.best.number }, 'synced blocks')
      if (network.isBanned(peer)) return
      if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number)
    }
  }

  private async syncFinality(peer: PeerId, peerFinalized: number): Promise<void> {
    const { importJustification } = this.components
    if (importJustification === undefined) return
    await syncFinality(this.parts, importJustification, peer, peerFinalized)
  }
}
