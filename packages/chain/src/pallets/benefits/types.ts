/**
 * The benefits pallet's types and storage, laid out as Crust's (crustio/crust:
 * cstrml/benefits/src/lib.rs) so `@crustio/type-definitions` (EraBenefits, MarketBenefit,
 * SworkBenefit, FundsType, FundsUnlockChunk) decodes what we store: same names, field order and
 * types (balances and eras `Compact`, the two report counters plain `u32`).
 */
import type { LookupBuilder } from '../../primitives/codec/lookup.js'
import { accountId32, compactU32, compactU128, enumeration, type Infer, named, newtype, struct, u32, u128, vec } from '../../primitives/codec/scale-type.js'
import { mapWithDefault, valueWithDefault } from '../../frame/storage.js'

const PALLET = 'Benefits'
const PATH = 'pallet_benefits'

const compactBalance = named(compactU128, 'Balance')
const compactEra = named(compactU32, 'EraIndex')
const balanceParam = { params: (lookup: LookupBuilder) => [{ name: 'Balance', type: lookup.idOf(u128) }] }

/** `Perbill`: parts per billion (the constants' type). */
export const perbill = newtype(['sp_arithmetic', 'per_things', 'Perbill'], u32)

/** Which benefit funds a call acts on: sWorker free reports or market collateral. */
export const fundsType = enumeration([PATH, 'FundsType'], { SWORK: { index: 0 }, MARKET: { index: 1 } })
export type FundsType = Infer<typeof fundsType>
export const SWORK: FundsType = { tag: 'SWORK', value: undefined }
export const MARKET: FundsType = { tag: 'MARKET', value: undefined }

/** Funds being unlocked: `value` becomes withdrawable once the active era reaches `era`. */
export const fundsUnlockChunk = struct([PATH, 'FundsUnlockChunk'], { value: compactBalance, era: compactEra }, balanceParam)
export type FundsUnlockChunk = Infer<typeof fundsUnlockChunk>

/** The chain-wide benefit figures of the current era (`CurrentBenefits`). */
export const eraBenefits = struct(
  [PATH, 'EraBenefits'],
  {
    total_fee_reduction_quota: compactBalance,
    total_market_active_funds: compactBalance,
    used_fee_reduction_quota: compactBalance,
    active_era: compactEra,
  },
  balanceParam,
)
export type EraBenefits = Infer<typeof eraBenefits>

/** An account's MARKET funds: its merchant collateral, fee-reduction use and accrued file rewards. */
export const marketBenefit = struct(
  [PATH, 'MarketBenefit'],
  {
    total_funds: compactBalance,
    active_funds: compactBalance,
    used_fee_reduction_quota: compactBalance,
    file_reward: compactBalance,
    refreshed_at: compactEra,
    unlocking_funds: vec(fundsUnlockChunk),
  },
  balanceParam,
)
export type MarketBenefit = Infer<typeof marketBenefit>

/** An account's SWORK funds: what pays for its fee-free work reports. */
export const sworkBenefit = struct(
  [PATH, 'SworkBenefit'],
  {
    total_funds: compactBalance,
    active_funds: compactBalance,
    total_fee_reduction_count: u32,
    used_fee_reduction_count: u32,
    refreshed_at: compactEra,
    unlocking_funds: vec(fundsUnlockChunk),
  },
  balanceParam,
)
export type SworkBenefit = Infer<typeof sworkBenefit>

export const emptyEraBenefits = (): EraBenefits => ({
  total_fee_reduction_quota: 0n,
  total_market_active_funds: 0n,
  used_fee_reduction_quota: 0n,
  active_era: 0,
})

export const emptyMarketBenefit = (): MarketBenefit => ({
  total_funds: 0n,
  active_funds: 0n,
  used_fee_reduction_quota: 0n,
  file_reward: 0n,
  refreshed_at: 0,
  unlocking_funds: [],
})

export const emptySworkBenefit = (): SworkBenefit => ({
  total_funds: 0n,
  active_funds: 0n,
  total_fee_reduction_count: 0,
  used_fee_reduction_count: 0,
  refreshed_at: 0,
  unlocking_funds: [],
})

/** The global benefits information. */
export const CurrentBenefits = valueWithDefault({
  pallet: PALLET,
  name: 'CurrentBenefits',
  value: eraBenefits,
  default: emptyEraBenefits(),
  docs: ['The global benefits information'],
})

/** The market benefit of each account. */
export const MarketBenefits = mapWithDefault({
  pallet: PALLET,
  name: 'MarketBenefits',
  hasher: 'Blake2_128Concat',
  key: named(accountId32, 'T::AccountId'),
  value: marketBenefit,
  default: emptyMarketBenefit(),
  docs: ['The market benefit'],
})

/** The sWorker benefit of each account. */
export const SworkBenefits = mapWithDefault({
  pallet: PALLET,
  name: 'SworkBenefits',
  hasher: 'Blake2_128Concat',
  key: named(accountId32, 'T::AccountId'),
  value: sworkBenefit,
  default: emptySworkBenefit(),
  docs: ['The sworker benefit'],
})
