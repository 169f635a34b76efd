/**
 * The era the benefits pallet counts by.
 *
 * SEAM FOR THE STAKING ISSUE: until the staking pallet exists, the era is derived from the block
 * number, `floor(blockNumber / eraLength)` with `eraLength` from the chain spec (Crust: 3_600
 * blocks = 6 sessions of 600). Staking replaces the body of {@link activeEra} with a read of its
 * `ActiveEra`, and then calls `updateEraBenefit` at each era end (which also makes the
 * `onInitialize` roll-over in pallet.ts unnecessary: remove it then). Everything in this pallet
 * that depends on the era goes through this one function.
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
