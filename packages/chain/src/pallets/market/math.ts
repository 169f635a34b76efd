/** Substrate's Perbill arithmetic and Crust's fee adjustment steps. */

export const BILLION = 1_000_000_000n

/** `Perbill::from_parts(parts) * x`, rounding to the nearest with ties down (NearestPrefDown). */
export function perbillMul(parts: number | bigint, x: bigint): bigint {
  return (x * BigInt(parts) + (BILLION / 2n - 1n)) / BILLION
}

/** `Perbill::from_rational(n, d)` parts (rounded down, as Substrate's default). */
export function perbillFromRational(n: bigint, d: bigint): number {
  return Number((n * BILLION) / d)
}

export const clamp = (x: bigint, min: bigint, max: bigint): bigint => (x < min ? min : x > max ? max : x)

/** fee + max(ratio × fee, 1): Crust's increase step for the byte and keys-count fees. */
export const increaseWithMinimumStep = (fee: bigint, ratio: number): bigint => {
  const step = perbillMul(ratio, fee)
  return fee + (step > 1n ? step : 1n)
}

export const decrease = (fee: bigint, ratio: number): bigint => fee - perbillMul(ratio, fee)
