/**
 * The era the benefits pallet counts by.
 *
 * The era is staking's `ActiveEra` (staking starts eras on session boundaries and may be forced to
 * start one sooner or not at all), and staking hands each era over through `updateEraBenefit` at
 * the era's first block. Without a state to read (or before staking's genesis), it is the unforced
 * schedule `floor(blockNumber / eraLength)` with `eraLength` from the chain spec (Crust: 3_600
 * blocks = 6 sessions of 600). Everything in this pallet that depends on the era goes through this
 * one function.
 */
import type { RuntimeConfig } from '../../frame/config.js'
import type { StorageReader } from '../../frame/storage.js'
import { ActiveEra } from '../staking/storage.js'

/** What {@link activeEra} reads: the state (staking's ActiveEra), else the era length and the block number. */
export interface EraSource {
  readonly config: Pick<RuntimeConfig, 'eraLength'>
  readonly blockNumber: number
  readonly state?: StorageReader
}

/** The active era at the executing block (a `DispatchContext` or `BlockContext` will do). */
export function activeEra(ctx: EraSource): number {
  const stored = ctx.state === undefined ? undefined : ActiveEra.get(ctx.state)
  return stored?.index ?? Math.floor(ctx.blockNumber / ctx.config.eraLength)
}
