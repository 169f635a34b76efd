/**
 * Stake limits from proven workload (crustio/crust: cstrml/staking `report_works` and
 * total_stake_limit_ratio.rs): stage one gives each validator its own workload × SPowerRatio;
 * when workload is abundant (≥ the total stake limit), stage two shares the total stake limit
 * pro rata, in whole KB.
 */
import { PERBILL_ONE, perbillMul } from '../../primitives/perbill.js'
import { SPOWER_RATIO } from './constants.js'

const PERMILL_ONE = 1_000_000n

/** `Permill::from_rational_approximation(p, q)`, rounded down (q = 0 taken as 1, p capped at q). */
export function permillFromRational(p: bigint, q: bigint): bigint {
  const den = q > 1n ? q : 1n
  const num = p < den ? p : den
  return (num * PERMILL_ONE) / den
}

/**
 * The total-stake-limit ratio r for an effective staking ratio `srPermill`, as Crust's 331-row
 * table: bucket b = ⌊sr / 0.1 %⌋; r = 0.33 / x − 0.65 with x = the bucket midpoint
 * (b + 1)/1000 − 0.0005 (exactly 660/(2b+1) − 0.65 here), split into an integer part and a Perbill
 * fraction rounded down; r = 0.35 from 33 % up.
 */
export function stakeLimitRatio(srPermill: bigint): { integer: bigint; fraction: bigint } {
  const b = srPermill / 1000n
  if (b >= 330n) return { integer: 0n, fraction: 350_000_000n }
  const num = 66_000n - 65n * (2n * b + 1n)
  const den = 100n * (2n * b + 1n)
  return { integer: num / den, fraction: ((num % den) * PERBILL_ONE) / den }
}

/** total_issuance × r(ErasTotalStakes[active] / total_issuance); 0 when there is no active era. */
export function totalStakeLimit(totalStakes: bigint | undefined, totalIssuance: bigint): bigint {
  if (totalStakes === undefined) return 0n
  const { integer, fraction } = stakeLimitRatio(permillFromRational(totalStakes, totalIssuance))
  return integer * totalIssuance + perbillMul(fraction, totalIssuance)
}

/** One validator's stake limit from its owner's workload (bytes). */
export function stakeLimitOf(ownWorkload: bigint, totalWorkload: bigint, totalLimit: bigint): bigint {
  if (totalWorkload * SPOWER_RATIO < totalLimit) return ownWorkload * SPOWER_RATIO
  const totalKb = totalWorkload / 1024n
  if (totalKb === 0n) return 0n
  return ((ownWorkload / 1024n) * totalLimit) / totalKb
}
