/**
 * What other pallets call on benefits (Crust's `BenefitInterface`): swork's fee-free work reports,
 * market's collateral gate and merchant rewards, transaction payment's fee reduction, and
 * staking's era hand-over. All synchronous and deterministic; they write only on success.
 */
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import { BENEFIT_MARKET_COST_RATIO, BENEFITS_LIMIT_RATIO, COLLATERAL_RATIO } from './constants.js'
import { activeEra, type EraSource } from './era.js'
import { perbillFromRational, perbillMul } from '../../primitives/perbill.js'
import { CurrentBenefits, type EraBenefits, type MarketBenefit, MarketBenefits, type SworkBenefit, SworkBenefits } from './types.js'

/** What the era-dependent functions need: state plus the era source (any dispatch or block context). */
export interface BenefitsContext extends EraSource {
  readonly state: StorageAccess
}

/** What the era-independent functions need. */
export interface BenefitsStateContext {
  readonly state: StorageAccess
}

/**
 * `CurrentBenefits` as of the active era: when the stored record is from an earlier era, its used
 * quota is reset (the fee-reduction quota itself carries over until staking sets a new one).
 */
export function currentBenefits(ctx: { readonly state: StorageReader } & EraSource): EraBenefits {
  const stored = CurrentBenefits.get(ctx.state)
  const era = activeEra(ctx)
  return stored.active_era < era ? { ...stored, active_era: era, used_fee_reduction_quota: 0n } : stored
}

/** Resets an account's per-era SWORK usage when it was last refreshed in an earlier era. */
export function refreshSworkBenefit(benefit: SworkBenefit, era: number): SworkBenefit {
  return benefit.refreshed_at < era ? { ...benefit, refreshed_at: era, used_fee_reduction_count: 0 } : benefit
}

/** Resets an account's per-era MARKET fee-reduction usage when last refreshed in an earlier era. */
export function refreshMarketBenefit(benefit: MarketBenefit, era: number): MarketBenefit {
  return benefit.refreshed_at < era ? { ...benefit, refreshed_at: era, used_fee_reduction_quota: 0n } : benefit
}

/** True when a MARKET record holds nothing any more (no collateral, nothing unlocking, no reward). */
export function isDeadMarketBenefit(benefit: MarketBenefit): boolean {
  return benefit.active_funds === 0n && benefit.unlocking_funds.length === 0 && benefit.file_reward === 0n
}

/** Writes a MARKET record, or removes it when it holds nothing (Crust's `update_reward`). */
export function putMarketBenefit(state: StorageAccess, who: Uint8Array, benefit: MarketBenefit): void {
  if (isDeadMarketBenefit(benefit)) MarketBenefits.remove(state, who)
  else MarketBenefits.insert(state, who, benefit)
}

/**
 * Swork calls this at the end of a successful `report_works`, with the reporter's owner (its group
 * owner, or the reporter when it is not in a group). If the owner has a free report left in the
 * active era (floor(SWORK active_funds / 3 CRU) per era, the used count reset each era), it
 * consumes one and returns true: the report then pays no fee. Otherwise returns false and changes
 * nothing.
 */
export function maybeFreeReportWorks(ctx: BenefitsContext, owner: Uint8Array): boolean {
  const benefit = refreshSworkBenefit(SworkBenefits.get(ctx.state, owner), activeEra(ctx))
  if (benefit.used_fee_reduction_count >= benefit.total_fee_reduction_count) return false
  SworkBenefits.insert(ctx.state, owner, { ...benefit, used_fee_reduction_count: benefit.used_fee_reduction_count + 1 })
  return true
}

/**
 * Market's collateral gate for a replica reward (reference §1.10): if (accrued `file_reward` +
 * `reward`) × COLLATERAL_RATIO (1) ≤ the owner's MARKET active funds, accrues `file_reward +=
 * reward` and returns true; otherwise returns false and changes nothing (the replica stays unpaid).
 */
export function maybeRewardMerchant(ctx: BenefitsStateContext, owner: Uint8Array, reward: bigint): boolean {
  const benefit = MarketBenefits.get(ctx.state, owner)
  if ((benefit.file_reward + reward) * COLLATERAL_RATIO > benefit.active_funds) return false
  if (reward > 0n) MarketBenefits.insert(ctx.state, owner, { ...benefit, file_reward: benefit.file_reward + reward })
  return true
}

/** The merchant reward `who` has accrued and not yet claimed (0 if none). Read-only. */
export function fileReward(state: StorageReader, who: Uint8Array): bigint {
  return MarketBenefits.get(state, who).file_reward
}

/**
 * Market's `reward_merchant` calls this: returns the reward `who` has accrued and zeroes it (0 if
 * none). A record left holding nothing is removed. The caller pays the amount out of the storage pot.
 */
export function takeFileReward(ctx: BenefitsStateContext, who: Uint8Array): bigint {
  const benefit = MarketBenefits.get(ctx.state, who)
  const reward = benefit.file_reward
  if (reward === 0n) return 0n
  putMarketBenefit(ctx.state, who, { ...benefit, file_reward: 0n })
  return reward
}

/**
 * The market fee-reduction check (reference §4), for transaction payment. `who`'s quota for the
 * era is (its MARKET active funds / all MARKET active funds) × the era's global quota
 * (`CurrentBenefits.total_fee_reduction_quota`, which staking sets to 0.2 % of the previous era's
 * total payout through {@link updateEraBenefit}). If both `who`'s used quota + fee and the global
 * used quota + fee stay within their quotas, the fee is waived: the used quotas grow by the fee
 * and this returns true (the caller charges nothing and issues the fee to feed the usual fee
 * split). Otherwise returns false, changes nothing, and the full fee is charged.
 *
 * The global quota is set at each era end by staking (0.2 % of the era's total reward); before the first era
 * end it is 0 and no fee is waived.
 * BenefitMarketCostRatio is 100 %, so a reduction always covers the whole fee. A zero fee is
 * never "waived" (false).
 */
export function maybeReduceFee(ctx: BenefitsContext, who: Uint8Array, fee: bigint): boolean {
  const era = activeEra(ctx)
  const current = currentBenefits(ctx)
  const benefit = refreshMarketBenefit(MarketBenefits.get(ctx.state, who), era)
  const cost = perbillMul(BigInt(BENEFIT_MARKET_COST_RATIO), fee)
  if (cost === 0n) return false
  const quota = perbillMul(perbillFromRational(benefit.active_funds, current.total_market_active_funds), current.total_fee_reduction_quota)
  if (benefit.used_fee_reduction_quota + cost > quota) return false
  if (current.used_fee_reduction_quota + cost > current.total_fee_reduction_quota) return false
  MarketBenefits.insert(ctx.state, who, { ...benefit, used_fee_reduction_quota: benefit.used_fee_reduction_quota + cost })
  CurrentBenefits.put(ctx.state, { ...current, used_fee_reduction_quota: current.used_fee_reduction_quota + cost })
  return true
}

/**
 * The fee-reduction quota consumed so far in `era`, which staking deducts from that era's rewards
 * (reference §3.6 step 4). As in Crust only the current era's figure is kept: an era the record
 * has already moved past reads 0, so read it before the era rolls over (or use the value
 * {@link updateEraBenefit} returns).
 */
export function usedFeeReductionQuota(state: StorageReader, era: number): bigint {
  const current = CurrentBenefits.get(state)
  return current.active_era === era ? current.used_fee_reduction_quota : 0n
}

/**
 * Staking's era hand-over (Crust's `update_era_benefit`): starts `nextEra` with a global
 * fee-reduction quota of BenefitsLimitRatio (0.2 %) × `totalReward` (the ending era's total payout)
 * and nothing used; returns the quota used in the ending era, which staking subtracts from that
 * era's rewards.
 */
export function updateEraBenefit(ctx: BenefitsStateContext, nextEra: number, totalReward: bigint): bigint {
  const current = CurrentBenefits.get(ctx.state)
  CurrentBenefits.put(ctx.state, {
    ...current,
    active_era: nextEra,
    total_fee_reduction_quota: perbillMul(BigInt(BENEFITS_LIMIT_RATIO), totalReward),
    used_fee_reduction_quota: 0n,
  })
  return current.used_fee_reduction_quota
}
