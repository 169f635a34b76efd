/**
 * `Perbill` arithmetic as Crust's sp-arithmetic 3.0 does it: parts per billion, exact on bigints.
 */

/** Parts of a whole `Perbill`. */
export const PERBILL_ONE = 1_000_000_000n

/**
 * `Perbill::from_rational_approximation(p, q)`: p/q rounded down (q = 0 is taken as 1, p is capped
 * at q), computed on p and q scaled down to fit 32 bits as sp-arithmetic does.
 */
export function perbillFromRational(p: bigint, q: bigint): bigint {
  const den = q > 1n ? q : 1n
  const num = p < den ? p : den
  let factor = den / PERBILL_ONE + (den % PERBILL_ONE === 0n ? 0n : 1n)
  if (factor < 1n) factor = 1n
  return ((num / factor) * PERBILL_ONE) / (den / factor)
}

/**
 * `perbill * x` for a balance: (x / 10^9) × parts plus the remainder's share rounded to nearest,
 * exact halves rounding down (sp-arithmetic 3.0's `Rounding::Nearest`).
 */
export function perbillMul(parts: bigint, x: bigint): bigint {
  const rem = x % PERBILL_ONE
  const remMul = rem * parts
  let correction = remMul / PERBILL_ONE
  if (remMul % PERBILL_ONE > PERBILL_ONE / 2n) correction += 1n
  return (x / PERBILL_ONE) * parts + correction
}

/** Parts of a whole `Permill`. */
export const PERMILL_ONE = 1_000_000n

/** `permill * x` for a balance, rounded as {@link perbillMul} (sp-arithmetic 3.0's `overflow_prune_mul`, `Rounding::Nearest`). */
export function permillMul(parts: bigint, x: bigint): bigint {
  const rem = x % PERMILL_ONE
  const remMul = rem * parts
  let correction = remMul / PERMILL_ONE
  if (remMul % PERMILL_ONE > PERMILL_ONE / 2n) correction += 1n
  return (x / PERMILL_ONE) * parts + correction
}
