/**
 * `pallet_transaction_payment`: the fee of an extrinsic = base fee + length fee + weight fee (with a
 * constant multiplier for now) + tip, withdrawn before dispatch; 80 % goes to the treasury and 20 %
 * to the block author, as Crust's DealWithFees does.
 */
import { accountId32, named, u8, u128 } from '../primitives/codec/scale-type.js'
import type { RuntimeConfig } from '../frame/config.js'
import { constant, definePallet, event, type Pallet } from '../frame/pallet.js'
import { valueWithDefault } from '../frame/storage.js'
import { concatBytes } from '../primitives/hashing.js'
import { depositInto } from './balances.js'

const PALLET = 'TransactionPayment'
const balance = named(u128, 'BalanceOf<T>')

/** FixedU128 1.0: the multiplier stays constant until fee adjustment is implemented. */
export const ONE_MULTIPLIER = 10n ** 18n
export const NextFeeMultiplier = valueWithDefault({
  pallet: PALLET,
  name: 'NextFeeMultiplier',
  value: named(u128, 'Multiplier'),
  default: ONE_MULTIPLIER,
})

export const events = {
  TransactionFeePaid: event(
    0,
    { who: named(accountId32, 'T::AccountId'), actual_fee: balance, tip: balance },
    'A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee, has been paid by `who`.',
  ),
}

/** The treasury's account: `modl` ++ PalletId("py/trsry"), zero-padded to 32 bytes, as Substrate derives it. */
export const TREASURY_ACCOUNT = (() => {
  const id = concatBytes(new TextEncoder().encode('modl'), new TextEncoder().encode('py/trsry'))
  const out = new Uint8Array(32)
  out.set(id)
  return out
})()

export interface FeeParts {
  baseFee: bigint
  lengthFee: bigint
  weightFee: bigint
}

export function weightToFee(config: RuntimeConfig, refTime: bigint): bigint {
  return (refTime * config.weightToFeeNumerator) / config.weightToFeeDenominator
}

/** The fee parts of an extrinsic of `length` bytes whose call weighs `callWeight` (tip excluded). */
export function computeFee(config: RuntimeConfig, length: number, callWeight: bigint): FeeParts {
  return {
    baseFee: weightToFee(config, config.extrinsicBaseWeight),
    lengthFee: config.transactionByteFee * BigInt(length),
    weightFee: (weightToFee(config, callWeight) * ONE_MULTIPLIER) / ONE_MULTIPLIER,
  }
}

export const inclusionFee = (parts: FeeParts): bigint => parts.baseFee + parts.lengthFee + parts.weightFee

/** Splits fee + tip between the treasury and the author, as Crust's DealWithFees. */
export function distributeFee(ctx: Parameters<typeof depositInto>[0], author: Uint8Array, total: bigint): void {
  const toTreasury = (total * ctx.config.treasuryFeeShare) / 100n
  depositInto(ctx, TREASURY_ACCOUNT, toTreasury)
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
