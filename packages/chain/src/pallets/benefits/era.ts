/**
 * The era the benefits pallet counts by.
 *
 * The era is derived from the block number, `floor(blockNumber / eraLength)` with `eraLength` from
 * the chain spec (Crust: 3_600 blocks = 6 sessions of 600); staking's `ActiveEra` follows the same
 * formula, and staking hands each era over through `updateEraBenefit` at the era's first block.
 * Everything in this pallet that depends on the era goes through this one function.
 */
import type { RuntimeConfig } from '../../runtime/config.js'

/** What {@link activeEra} reads: the chain spec's era length and the executing block's number. */
export interface EraSource {
  readonly config: Pick<RuntimeConfig, 'eraLength'>
  readonly blockNumber: number
}

/** The active era at the executing block (a `DispatchContext` or `BlockContext` will do). */
export function activeEra(ctx: EraSource): number {
  return Math.floor(ctx.blockNumber / ctx.config.eraLength)
}
