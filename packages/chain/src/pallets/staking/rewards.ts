/**
 * GPoS era rewards (Crust's `total_rewards_in_era`, `calculate_market_payout` and `end_era`,
 * crustio/crust: cstrml/staking/src/lib.rs). Eras per year come from the chain spec's era length
 * and block time (Crust: 31_557_600_000 ms / 6_000 ms / 3_600 blocks = 1_461), so short dev eras
 * scale the yearly amounts down per era.
 */
import type { RuntimeConfig } from '../../frame/config.js'
import { type BlockContext, moduleError } from '../../frame/pallet.js'
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import { depositInto, freeBalance, TotalIssuance, withdraw } from '../balances.js'
import { updateEraBenefit } from '../benefits/benefit-interface.js'
import { perbillFromRational, perbillMul } from '../../primitives/perbill.js'
import { STAKING_POT } from '../market/constants.js'
import {
  EXTRA_REWARD_START_YEAR,
  FIRST_YEAR_REWARDS,
  MARKET_STAKING_POT_DURATION,
  MIN_REWARD_PER_MILLE,
  REWARD_DECREASE_NUMERATOR,
  YEAR_MS,
} from './constants.js'
import { events, stakingErrors } from './errors.js'
import { updateLedger } from './ledger.js'
import {
  Bonded,
  CurrentElected,
  CurrentEra,
  ErasAuthoringPayout,
  ErasMarketPayout,
  ErasRewardPoints,
  ErasStakersClipped,
  ErasStakingPayout,
  ErasTotalStakes,
  ErasValidatorPrefs,
  HistoryDepth,
  Ledger,
  StartRewardEra,
} from './storage.js'

const hex = (a: Uint8Array) => Buffer.from(a).toString('hex')

/** Eras in a Julian year at the spec's block time and era length (at least 1). */
export function erasPerYear(config: Pick<RuntimeConfig, 'blockTimeMs' | 'eraLength'>): number {
  return Math.max(1, Math.floor(YEAR_MS / config.blockTimeMs / config.eraLength))
}

/** The yearly GPoS inflation of reward year `year`, given the total issuance and total stake. */
export function yearlyRewards(year: number, totalIssuance: bigint, totalStake: bigint): bigint {
  const floor = (totalIssuance / 1000n) * MIN_REWARD_PER_MILLE
  let yearly = FIRST_YEAR_REWARDS
  for (let i = 0; i < year; i++) {
    yearly = (yearly * REWARD_DECREASE_NUMERATOR) / 100n
    if (yearly <= floor) {
      yearly = floor
      break
    }
  }
  if (year >= EXTRA_REWARD_START_YEAR) {
    // 8 % × TI × (1 − sr / 30 %) while the staking ratio sr is below 30 %.
    const ratio = perbillFromRational(totalStake, totalIssuance)
    if (ratio < 300_000_000n) yearly += (totalIssuance * 8n) / 100n - (perbillMul(ratio, totalIssuance) / 30n) * 8n
  }
  return yearly
}

/** Crust's `total_rewards_in_era`: the GPoS inflation of `era` (0 before StartRewardEra). */
export function totalRewardsInEra(state: StorageReader, config: Pick<RuntimeConfig, 'blockTimeMs' | 'eraLength'>, era: number): bigint {
  const start = StartRewardEra.get(state)
  if (era < start) return 0n
  const perYear = erasPerYear(config)
  const year = Math.floor((era - start) / perYear)
  return yearlyRewards(year, TotalIssuance.get(state), ErasTotalStakes.get(state, era)) / BigInt(perYear)
}

/**
 * Crust's `calculate_market_payout`: takes market's staking pot (all but the existential deposit)
 * out of circulation, spreads 1/60 of it (Perbill) over each of the 60 eras from `era` on, and
 * returns (and removes) `era`'s share.
 */
export function calculateMarketPayout(ctx: Pick<BlockContext, 'state' | 'config' | 'deposit'>, era: number): bigint {
  const pot = freeBalance(ctx.state, STAKING_POT)
  const ed = ctx.config.existentialDeposit
  if (pot > ed) {
    const taken = pot - ed
    withdraw(ctx, STAKING_POT, taken, true)
    const share = perbillMul(perbillFromRational(1n, BigInt(MARKET_STAKING_POT_DURATION)), taken)
    for (let e = era; e < era + MARKET_STAKING_POT_DURATION; e++) ErasMarketPayout.insert(ctx.state, e, (ErasMarketPayout.get(ctx.state, e) ?? 0n) + share)
  }
  const payout = ErasMarketPayout.get(ctx.state, era) ?? 0n
  ErasMarketPayout.remove(ctx.state, era)
  return payout
}

/** Crust's authoring share of an era's reward by the number of elected validators, in percent. */
export function authoringSharePercent(validators: number): bigint {
  if (validators <= 500) return 20n
  if (validators <= 1000) return 25n
  if (validators <= 2500) return 30n
  if (validators <= 5000) return 40n
  return 50n
}

/** Adds `points` authoring points to `author` in `era` (20 per authored block). */
export function rewardByIds(state: StorageAccess, era: number, author: Uint8Array, points: number): void {
  const current = ErasRewardPoints.get(state, era)
  const key = hex(author)
  const individual = current.individual.map(([who, p]): [Uint8Array, number] => [who, hex(who) === key ? p + points : p])
  if (!individual.some(([who]) => hex(who) === key)) individual.push([author, points])
  ErasRewardPoints.insert(state, era, { total: current.total + points, individual })
}

/**
 * Crust's `end_era` payout bookkeeping for the ending `era`: the era's GPoS inflation plus market's
 * staking-pot share, minus the fee-reduction quota benefits used in the era (handing the next era
 * its quota of 0.2 % of the total); the authoring share split by points into ErasAuthoringPayout,
 * the rest into ErasStakingPayout. Nothing is minted here: `reward_stakers` mints the payouts.
 */
export function endEra(ctx: Pick<BlockContext, 'state' | 'config' | 'deposit'>, era: number): { authoring: bigint; staking: bigint } {
  const gpos = totalRewardsInEra(ctx.state, ctx.config, era)
  const market = calculateMarketPayout(ctx, era)
  let total = gpos + market
  const used = updateEraBenefit(ctx, era + 1, total)
  total = total > used ? total - used : 0n
  const share = authoringSharePercent(CurrentElected.get(ctx.state).length)
  const authoring = perbillMul(share * 10_000_000n, total)
  const points = ErasRewardPoints.get(ctx.state, era)
  for (const [who, p] of points.individual) {
    ErasAuthoringPayout.insert(ctx.state, era, who, perbillMul(perbillFromRational(BigInt(p), BigInt(points.total)), authoring))
  }
  const staking = total - authoring
  ErasStakingPayout.insert(ctx.state, era, staking)
  ctx.deposit(events.EraReward, { era, authoring, staking })
  return { authoring, staking }
}

/** Mints `amount` to a bonded stash and adds it to its bond (the payee is always `Staked`). */
function makePayout(ctx: Pick<BlockContext, 'state' | 'config' | 'deposit'>, stash: Uint8Array, amount: bigint): void {
  if (amount === 0n) return
  const controller = Bonded.get(ctx.state, stash)
  const ledger = controller === undefined ? undefined : Ledger.get(ctx.state, controller)
  if (controller === undefined || ledger === undefined) return
  if (!depositInto(ctx, stash, amount)) return
  updateLedger(ctx, controller, { ...ledger, active: ledger.active + amount, total: ledger.total + amount })
  ctx.deposit(events.Reward, { who: stash, amount })
}

/**
 * Crust's `reward_stakers`: pays `stash` and its clipped guarantors for `era` (within HistoryDepth
 * of the current era, once its payout is set, once). The validator's reward is its authoring
 * payout plus its stake's share of the era's staking payout; its `guarantee_fee` of that is shared
 * with the guarantors pro rata to their exposure, the rest goes to the validator.
 */
export function rewardStakers(ctx: Pick<BlockContext, 'state' | 'config' | 'deposit'>, stash: Uint8Array, era: number): void {
  const current = CurrentEra.get(ctx.state) ?? 0
  const depth = HistoryDepth.get(ctx.state)
  if (era > current || era + depth < current) throw moduleError(stakingErrors.InvalidEraToReward)
  const stakingPayout = ErasStakingPayout.get(ctx.state, era)
  if (stakingPayout === undefined) throw moduleError(stakingErrors.InvalidEraToReward)
  const controller = Bonded.get(ctx.state, stash)
  if (controller === undefined) throw moduleError(stakingErrors.NotStash)
  const ledger = Ledger.get(ctx.state, controller)
  if (ledger === undefined) throw moduleError(stakingErrors.NotController)
  if (ledger.claimed_rewards.includes(era)) throw moduleError(stakingErrors.AlreadyClaimed)
  const claimed = [...ledger.claimed_rewards.filter((e) => e + depth >= current), era].sort((a, b) => a - b)
  Ledger.insert(ctx.state, controller, { ...ledger, claimed_rewards: claimed })

  const exposure = ErasStakersClipped.get(ctx.state, era, stash)
  const totalStakes = ErasTotalStakes.get(ctx.state, era)
  const authoring = ErasAuthoringPayout.get(ctx.state, era, stash) ?? 0n
  const staking = totalStakes === 0n ? 0n : perbillMul(perbillFromRational(exposure.total, totalStakes), stakingPayout)
  const total = authoring + staking
  if (total === 0n) return
  const pool = perbillMul(BigInt(ErasValidatorPrefs.get(ctx.state, era, stash).guarantee_fee), total)
  let paid = 0n
  for (const g of exposure.others) {
    const reward = perbillMul(perbillFromRational(g.value, exposure.total), pool)
    makePayout(ctx, g.who, reward)
    paid += reward
  }
  makePayout(ctx, stash, total - paid)
}
