/**
 * Staking's value types with Crust's names and fields (crustio/crust: cstrml/staking), so that
 * `@crustio/type-definitions` (ValidatorPrefs { guarantee_fee }, Guarantee) decodes them.
 */
import {
  accountId32,
  bool,
  btreeMap,
  compactU32,
  compactU128,
  enumeration,
  type Infer,
  named,
  option,
  type ScaleType,
  struct,
  tuple,
  u32,
  u64,
  u128,
  vec,
} from '../../primitives/codec/scale-type.js'
import { perbill } from '../benefits/types.js'

const PATH = 'cstrml_staking'
export const account = named(accountId32, 'T::AccountId')
export const balance = named(u128, 'BalanceOf<T>')
export const compactBalance = named(compactU128, 'BalanceOf<T>')
export const eraIndex = named(u32, 'EraIndex')
const compactEra = named(compactU32, 'EraIndex')

/** `Compact<Perbill>`. */
export const compactPerbill: ScaleType<number> = {
  codec: compactU32.codec,
  typeName: 'Compact<Perbill>',
  register: (lookup) => lookup.add({ compact: { type: lookup.idOf(perbill) } }),
}

export const unlockChunk = struct([PATH, 'UnlockChunk'], { value: compactBalance, era: compactEra })
export type UnlockChunk = Infer<typeof unlockChunk>

export const stakingLedger = struct([PATH, 'StakingLedger'], {
  stash: account,
  total: compactBalance,
  active: compactBalance,
  unlocking: vec(unlockChunk),
  claimed_rewards: vec(eraIndex),
})
export type StakingLedger = Infer<typeof stakingLedger>

export const rewardDestination = enumeration([PATH, 'RewardDestination'], { Staked: { index: 0 }, Stash: { index: 1 }, Controller: { index: 2 } })

/** Crust's `ValidatorPrefs { guarantee_fee }`: the share of the validator's reward given to its guarantors. */
export const validatorPrefs = struct([PATH, 'ValidatorPrefs'], { guarantee_fee: compactPerbill })
export type ValidatorPrefs = Infer<typeof validatorPrefs>

export const individualExposure = struct([PATH, 'IndividualExposure'], { who: account, value: compactBalance })
export type IndividualExposure = Infer<typeof individualExposure>

export const guarantee = struct([PATH, 'Guarantee'], {
  targets: vec(individualExposure),
  total: compactBalance,
  submitted_in: eraIndex,
  suppressed: bool,
})
export type Guarantee = Infer<typeof guarantee>

export const exposure = struct([PATH, 'Exposure'], { total: compactBalance, own: compactBalance, others: vec(individualExposure) })
export type Exposure = Infer<typeof exposure>

export const activeEraInfo = struct([PATH, 'ActiveEraInfo'], { index: eraIndex, start: option(named(u64, 'u64')) })
export type ActiveEraInfo = Infer<typeof activeEraInfo>

export const forcing = enumeration([PATH, 'Forcing'], { NotForcing: { index: 0 }, ForceNew: { index: 1 }, ForceNone: { index: 2 }, ForceAlways: { index: 3 } })
export type Forcing = Infer<typeof forcing>

/** Perbill one (100 %): Crust's default guarantee fee. */
export const PERBILL_ONE_PARTS = 1_000_000_000

/** Crust's `EraRewardPoints { total, individual: BTreeMap<AccountId, RewardPoint> }`. */
export const eraRewardPoints = struct([PATH, 'EraRewardPoints'], { total: named(u32, 'RewardPoint'), individual: btreeMap(account, named(u32, 'RewardPoint')) })
export type EraRewardPoints = Infer<typeof eraRewardPoints>

const SLASHING_PATH = [PATH, 'slashing']

/** Crust's `slashing::SlashingSpans`: the current span's index and start, the last era slashed, prior spans' lengths (latest first). */
export const slashingSpans = struct([...SLASHING_PATH, 'SlashingSpans'], {
  span_index: named(u32, 'SpanIndex'),
  last_start: eraIndex,
  last_nonzero_slash: eraIndex,
  prior: vec(eraIndex),
})
export type SlashingSpans = Infer<typeof slashingSpans>

/** Crust's `slashing::SpanRecord`: the largest slash in a span and the reporters' reward paid for it. */
export const spanRecord = struct([...SLASHING_PATH, 'SpanRecord'], { slashed: balance, paid_out: balance })
export type SpanRecord = Infer<typeof spanRecord>

/** Crust's `UnappliedSlash`: a computed slash waiting for its era (Balance fields are not compact). */
export const unappliedSlash = struct([PATH, 'UnappliedSlash'], {
  validator: account,
  own: balance,
  others: vec(tuple(account, balance)),
  reporters: vec(account),
  payout: balance,
})
export type UnappliedSlash = Infer<typeof unappliedSlash>
