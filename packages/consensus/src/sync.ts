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
 */
import type { Chain } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { SYNC_INTERVAL_MS } from './constants.js'
import type { ChainNetwork } from './network.js'
import { syncFinality } from './sync-finality.js'
import { HeadersFirstSync, type PeerStatus } from './sync-headers-first.js'
import { syncRanges } from './sync-range.js'
import { UnknownBlockSync, type UnknownBlockSyncComponents } from './sync-unknown-block.js'

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
  /** The highest best block number a peer reported in the last sync round. */
  private peerBest = 0
  private readonly parts: UnknownBlockSyncComponents
  private readonly unknown: UnknownBlockSync
  private readonly headersFirst: HeadersFirstSync

  constructor(private readonly components: ChainSyncComponents) {
    this.log = components.logger.forComponent('consensus:sync')
    this.parts = { chain: components.chain, network: components.network, log: this.log, signal: this.abort.signal }
    this.unknown = new UnknownBlockSync(this.parts)
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

  /** Whether a peer has reported a best block more than one ahead of ours (authoring waits then). */
  get behind(): boolean {
    return this.peerBest > this.components.chain.best.number + 1
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
    const statuses: PeerStatus[] = []
    for (const peer of network.peers()) {
      if (signal.aborted) return
      try {
        const status = await network.requestStatus(peer, signal)
        if (status.genesis === chain.genesis.hashHex) statuses.push({ peer, status })
      } catch {}
    }
    let peerBest = 0
    for (const { peer, status } of statuses) {
      if (signal.aborted) return
      if (network.isBanned(peer)) continue
      peerBest = Math.max(peerBest, status.best.number)
      this.peerBest = Math.max(this.peerBest, peerBest)
      // Another head of the same height: fetch it, fork choice decides between the two.
      if (status.best.number === chain.best.number && status.best.hash !== chain.best.hashHex) await this.requestBlock(status.best.hash, peer)
      if (status.best.number <= chain.best.number) {
        if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number)
        continue
      }
      const started = chain.best.number
      const helpers = statuses.filter((s) => !s.peer.equals(peer))
      if ((await this.headersFirst.sync(peer, status.best.number, helpers)) === 'legacy') await syncRanges(this.parts, this.unknown, peer, status.best.number)
      if (chain.best.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.best.number }, 'synced blocks')
      if (network.isBanned(peer)) continue
      if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number)
    }
    this.peerBest = peerBest
  }

  private async syncFinality(peer: PeerId, peerFinalized: number): Promise<void> {
    const { importJustification } = this.components
    if (importJustification === undefined) return
    await syncFinality(this.parts, importJustification, peer, peerFinalized)
  }
}
