/**
 * Aura authoring with the node's session keys: at each slot boundary, if the node holds the Aura
 * key of the slot's author, build a block sealed with it on the best block and gossip it. Waits
 * while sync is behind its peers.
 */
import {
  type BlockRecord,
  type BlockSigner,
  type Chain,
  type ImportedBlock,
  type SigningKeys,
  slotAuthor,
  slotOf,
  staking,
  type TransactionPool,
} from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'

export interface SlotAuthorComponents {
  chain: Chain
  pool: TransactionPool
  logger: ComponentLogger
  /** Gossips an authored block. */
  publish(block: ImportedBlock): void
  /** True while this node is catching up (it must not author on an old head). */
  behind(): boolean
}

export interface SlotAuthorInit {
  /** The node's keys: it authors the slots whose author key (`aura`) it holds. */
  keys: SigningKeys
  blockTimeMs: number
  /**
   * Test only: also seal a second, different block for each of this key's slots (on the same
   * parent, without transactions) and gossip both — a block equivocation.
   */
  equivocate?: boolean
  /**
   * Test only: this node's clock is off by this many milliseconds (positive: ahead), for its slots
   * and its blocks' timestamps: a chaos run's clock skew.
   */
  clockOffsetMs?: number
}

export class SlotAuthor {
  private readonly log: Logger
  private timer: NodeJS.Timeout | undefined
  private running = false
  /** Blocks this node authored since start. */
  authored = 0

  constructor(
    private readonly components: SlotAuthorComponents,
    private readonly init: SlotAuthorInit,
  ) {
    this.log = components.logger.forComponent('consensus:author')
  }

  start(): void {
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The node's clock (the wall clock, unless a test skews it). */
  private now(): number {
    return Date.now() + (this.init.clockOffsetMs ?? 0)
  }

  private schedule(): void {
    if (!this.running) return
    const slot = this.init.blockTimeMs
    this.timer = setTimeout(() => this.onSlot(), slot - (((this.now() % slot) + slot) % slot))
  }

  private onSlot(): void {
    try {
      this.claim(this.now())
    } catch (err) {
      this.log.error({ err }, 'block production failed')
    }
    this.schedule()
  }

  /** Authors the block of the slot `now` falls in, if it is this key's slot. Returns it, if any. */
  claim(now: number): ImportedBlock | undefined {
    const { chain, pool, publish, behind } = this.components
    const slot = slotOf(now, this.init.blockTimeMs)
    const best = chain.best
    const author = slotAuthor(slot, chain.authoritiesFor(best))
    const signer = this.init.keys.signer(staking.KEY_TYPES.aura, author)
    if (signer === undefined) return undefined
    const parentSlot = chain.slotOf(best)
    if (parentSlot !== undefined && parentSlot >= slot) return undefined
    if (behind()) {
      this.log.debug({ slot }, 'skipping my slot while syncing')
      return undefined
    }
    const started = performance.now()
    const imported = chain.produceBlock(author, pool.source(), now, { signer, slot })
    this.authored++
    publish(imported)
    if (this.init.equivocate === true) this.equivocate(signer, best, slot, now)
    const txs = imported.extrinsics.length - 1
    this.log[txs > 0 ? 'info' : 'debug'](
      { slot, number: imported.block.number, hash: imported.block.hashHex, extrinsics: txs, ms: Math.round(performance.now() - started) },
      'authored block',
    )
    return imported
  }

  /** Test only: a second block for `slot` on `parent`, with another timestamp in the slot. */
  private equivocate(signer: BlockSigner, parent: BlockRecord, slot: number, now: number): void {
    const { chain, publish } = this.components
    const end = (slot + 1) * this.init.blockTimeMs - 1
    const twin = chain.produceBlock(signer.publicKey, [], now === end ? end - 1 : end, { signer, slot, parent })
    publish(twin)
    this.log.warn({ slot, number: twin.block.number, hash: twin.block.hashHex }, 'authored a second block for my slot (test equivocation)')
  }
}
