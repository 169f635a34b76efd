/**
 * Single-authority block production: one block per slot, at slot boundaries of the block time,
 * sealed (Aura) when the authority's key is known. Blocks of a single authority are final at once;
 * the multi-validator finality gadget replaces that later behind `Chain`'s finalized head.
 */
import type { BlockSigner } from '../primitives/aura.js'
import type { Chain } from '../chain/index.js'
import type { Logger } from '@crust-ts/base'
import type { TransactionPool } from './txpool/transaction-pool.js'

export interface BlockAuthorInit {
  blockTimeMs: number
  author: Uint8Array
  /** The authority's key: blocks carry Aura's slot digest and seal (unsealed without it). */
  signer?: BlockSigner
}

export class BlockAuthor {
  private timer: NodeJS.Timeout | undefined
  private running = false

  constructor(
    private readonly components: { chain: Chain; pool: TransactionPool; log: Logger },
    private readonly init: BlockAuthorInit,
  ) {}

  start(): void {
    this.running = true
    this.schedule()
  }

  stop(): void {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    if (!this.running) return
    const slot = this.init.blockTimeMs
    const delay = slot - (Date.now() % slot)
    this.timer = setTimeout(() => this.onSlot(), delay)
  }

  /** Builds one block now (also used by tests and benchmarks). */
  produce(): void {
    const { chain, pool, log } = this.components
    const started = performance.now()
    const imported = chain.produceBlock(this.init.author, pool.source(), Date.now(), this.init.signer === undefined ? {} : { signer: this.init.signer })
    const txs = imported.extrinsics.length - 1
    const level = txs > 0 ? 'info' : 'debug'
    log[level](
      { number: imported.block.number, hash: imported.block.hashHex, extrinsics: txs, ms: Math.round(performance.now() - started), pool: pool.status() },
      'imported block',
    )
  }

  private onSlot(): void {
    try {
      this.produce()
    } catch (err) {
      this.components.log.error({ err }, 'block production failed')
    }
    this.schedule()
  }
}
