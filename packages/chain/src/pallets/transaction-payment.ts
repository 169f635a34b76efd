/**
 * `pallet_transaction_payment` as Crust configures it (runtime/src/lib.rs:718-733): the fee of an
 * extrinsic = base fee + length fee + multiplier × weight fee (+ tip), withdrawn before dispatch;
 * weight to fee is 30 % of the weight (runtime/src/impls.rs:52-68); the multiplier follows
 * Substrate's TargetedFeeAdjustment (target 25 % of the normal block weight, variable 1/100_000,
 * minimum 1e-9) and is updated at each block's end into NextFeeMultiplier. Fees and tips go 80 %
 * to the treasury and 20 % to the block author, as Crust's DealWithFees does.
 */
import { accountId32, named, u8, u128 } from '../primitives/codec/scale-type.js'
import type { RuntimeConfig } from '../frame/config.js'
import type { StorageReader } from '../frame/storage.js'
import { constant, definePallet, event, type Pallet } from '../frame/pallet.js'
import { valueWithDefault } from '../frame/storage.js'
import { depositInto, depositIntoTreasury } from './balances.js'
import { TREASURY_ACCOUNT } from './treasury-account.js'

const PALLET = 'TransactionPayment'
const balance = named(u128, 'BalanceOf<T>')

/** FixedU128 1.0 (Substrate's `Multiplier` has 18 decimals). */
export const ONE_MULTIPLIER = 10n ** 18n
export const NextFeeMultiplier = valueWithDefault({
  pallet: PALLET,
  name: 'NextFeeMultiplier',
  value: named(u128, 'Multiplier'),
  default: ONE_MULTIPLIER,
})

/** TargetBlockFullness: 25 % (Perquintill), Crust runtime/src/lib.rs:722. */
export const TARGET_BLOCK_FULLNESS_PERCENT = 25n
/** AdjustmentVariable: 1/100_000 as FixedU128, Crust runtime/src/lib.rs:723. */
export const ADJUSTMENT_VARIABLE = ONE_MULTIPLIER / 100_000n
/** MinimumMultiplier: 1/1_000_000_000 as FixedU128, Crust runtime/src/lib.rs:724. */
export const MINIMUM_MULTIPLIER = ONE_MULTIPLIER / 1_000_000_000n

/** FixedU128 × FixedU128, rounded down (Substrate 3.0's `multiply_by_rational`). */
const fixedMul = (a: bigint, b: bigint): bigint => (a * b) / ONE_MULTIPLIER

/**
 * Substrate's `TargetedFeeAdjustment::convert` (the version Crust builds: substrate 3.0, all
 * fixed-point steps rounded down): with s the target fullness, v the variable and diff the
 * normal-class weight's distance to the target as a fraction of the normal-class maximum,
 * next = previous × (1 ± (v·diff + v²·diff²/2)), never below the minimum.
 */
export function nextFeeMultiplier(previous: bigint, normalWeight: bigint, normalMaxWeight: bigint): bigint {
  const prev = previous > MINIMUM_MULTIPLIER ? previous : MINIMUM_MULTIPLIER
  const blockWeight = normalWeight < normalMaxWeight ? normalWeight : normalMaxWeight
  const target = (normalMaxWeight * TARGET_BLOCK_FULLNESS_PERCENT) / 100n
  const positive = blockWeight >= target
  const diffAbs = positive ? blockWeight - target : target - blockWeight
  const max = normalMaxWeight > 0n ? normalMaxWeight : 1n
  const diff = (diffAbs * ONE_MULTIPLIER) / max
  const diffSquared = fixedMul(diff, diff)
  const vSquared2 = (fixedMul(ADJUSTMENT_VARIABLE, ADJUSTMENT_VARIABLE) * ONE_MULTIPLIER) / (2n * ONE_MULTIPLIER)
  const firstTerm = fixedMul(ADJUSTMENT_VARIABLE, diff)
  const secondTerm = fixedMul(vSquared2, diffSquared)
  let next: bigint
  if (positive) next = prev + fixedMul(firstTerm + secondTerm, prev)
  else {
    const negative = fixedMul(firstTerm > secondTerm ? firstTerm - secondTerm : 0n, prev)
    next = prev > negative ? prev - negative : 0n
  }
  return next > MINIMUM_MULTIPLIER ? next : MINIMUM_MULTIPLIER
}

/** The multiplier applied to the weight fee of extrinsics in the block built on `state`. */
export const feeMultiplier = (state: StorageReader): bigint => NextFeeMultiplier.get(state)

export const events = {
  TransactionFeePaid: event(
    0,
    { who: named(accountId32, 'T::AccountId'), actual_fee: balance, tip: balance },
    'A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee, has been paid by `who`.',
  ),
}

export { TREASURY_ACCOUNT }

export interface FeeParts {
  baseFee: bigint
  lengthFee: bigint
  weightFee: bigint
}

/**
 * Crust's weight to fee: `Perbill::from_percent(30) × weight` (runtime/src/impls.rs:52-68; the
 * type is still named OneTenthFee there), Perbill multiplication rounding to the nearest.
 */
export function weightToFee(config: RuntimeConfig, refTime: bigint): bigint {
  const den = config.weightToFeeDenominator
  return (refTime * config.weightToFeeNumerator + den / 2n) / den
}

/**
 * The fee parts of an extrinsic of `length` bytes whose call weighs `callWeight` (tip excluded),
 * with `multiplier` (FixedU128) on the weight fee, as Substrate 3.0's `compute_fee`.
 */
export function computeFee(config: RuntimeConfig, length: number, callWeight: bigint, multiplier: bigint): FeeParts {
  const capped = callWeight < config.maxBlockWeight ? callWeight : config.maxBlockWeight
  return {
    baseFee: weightToFee(config, config.extrinsicBaseWeight),
    lengthFee: config.transactionByteFee * BigInt(length),
    weightFee: (weightToFee(config, capped) * multiplier) / ONE_MULTIPLIER,
  }
}

export const inclusionFee = (parts: FeeParts): bigint => parts.baseFee + parts.lengthFee + parts.weightFee

/** Splits fee + tip between the treasury and the author, as Crust's DealWithFees. */
export function distributeFee(ctx: Parameters<typeof depositInto>[0], author: Uint8Array, total: bigint): void {
  const toTreasury = (total * ctx.config.treasuryFeeShare) / 100n
  depositIntoTreasury(ctx, toTreasury)
  depositInto(ctx, author, total - toTreasury)
}

export function transactionPaymentPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_transaction_payment',
    storage: [NextFeeMultiplier],
    events,
    constants: {
      OperationalFeeMultiplier: constant(u8, () => 5, 'A fee multiplier for Operational extrinsics to compute "virtual tip" to boost their priority.'),
    },
  })
}
