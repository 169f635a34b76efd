/**
 * Offence kinds: what each kind of misbehaviour is called on chain (Substrate's 16-byte `Kind`),
 * which reports count as concurrent (its time slot), and how much of an offender's exposure it
 * slashes for a given number of concurrent offenders. A new kind (offline validators, failed
 * storage challenges) is one more {@link OffenceKind} value; the offences pallet handles them all.
 */

/** Perbill parts in one whole. */
export const PERBILL = 1_000_000_000n

/** A kind of offence and its slashing rule. */
export interface OffenceKind {
  /** Substrate's `Kind`: 16 ASCII bytes naming the offence (e.g. `babe:equivocatio`). */
  readonly id: Uint8Array
  /** A readable name for logs and errors. */
  readonly name: string
  /**
   * The fraction (Perbill parts) of each offender's exposure to slash when `offenders` offences of
   * this kind are reported in one time slot of an authority set of `validatorSetCount`.
   */
  slashFraction(offenders: number, validatorSetCount: number): bigint
}

const kindId = (name: string): Uint8Array => {
  const id = new TextEncoder().encode(name)
  if (id.length !== 16) throw new RangeError(`an offence kind id is 16 bytes: ${name}`)
  return id
}

/** sp-arithmetic's `Perbill::from_rational(p, q)`: rounds down, saturates at one (also for q = 0). */
export function perbillFromRational(p: bigint, q: bigint): bigint {
  if (q === 0n || p >= q) return PERBILL
  return (p * PERBILL) / q
}

/** sp-arithmetic's `PerThing::square`: from_rational(x², ACCURACY²), rounding down. */
export const perbillSquare = (x: bigint): bigint => perbillFromRational(x * x, PERBILL * PERBILL)

/**
 * The equivocation slash of Substrate's BABE and GRANDPA offences (paritytech/substrate
 * frame/babe/src/equivocation.rs and frame/grandpa/src/equivocation.rs, `slash_fraction`):
 * min((3k / n)², 1) for k concurrent offenders in a set of n validators, computed in Perbill as
 * `Perbill::from_rational(3k, n).square()`. One equivocator in a large set loses little (a mistake,
 * e.g. one key on two machines, costs 0.09 % at n = 100); a third of the set equivocating together
 * (an attack on safety) loses everything. This replaces the flat 10 % we used before: with n = 4 a
 * lone equivocator loses 56.25 %, with n ≤ 3 everything, which on a small chain is right (one
 * validator is a large share of its security); the dev and local chains' genesis validators are
 * invulnerable, so a development network is not slashed unless root lifts that.
 */
export function equivocationSlashFraction(offenders: number, validatorSetCount: number): bigint {
  return perbillSquare(perbillFromRational(3n * BigInt(offenders), BigInt(validatorSetCount)))
}

/**
 * Two blocks sealed by one author for one Aura slot. Time slot: the session of the slot. Aura has
 * one author per slot, so BABE's per-slot grouping would always count one offender; per session,
 * the fraction grows with the number of validators equivocating in the same session.
 */
export const BLOCK_EQUIVOCATION: OffenceKind = {
  id: kindId('aura:equivocatio'),
  name: 'block equivocation',
  slashFraction: equivocationSlashFraction,
}

/** Two finality votes of one kind by one voter in one round. Time slot: (set id, round), as GRANDPA's. */
export const VOTE_EQUIVOCATION: OffenceKind = {
  id: kindId('grandpa:equivoca'),
  name: 'vote equivocation',
  slashFraction: equivocationSlashFraction,
}

/**
 * Substrate's `UnresponsivenessOffence::slash_fraction` (paritytech/substrate frame/im-online/src/lib.rs):
 * min(3(k − (n/10 + 1)) / n, 1) × 7 % for k offline validators in a set of n: up to a tenth of the
 * set (plus one) may be offline with no slash, then the fraction climbs linearly, to 7 % when 13/30
 * are offline. Perbill products round down, as sp-arithmetic's.
 */
export function unresponsivenessSlashFraction(offenders: number, validatorSetCount: number): bigint {
  const threshold = offenders - (Math.floor(validatorSetCount / 10) + 1)
  if (threshold < 0) return 0n
  const x = perbillFromRational(3n * BigInt(threshold), BigInt(validatorSetCount))
  return (x * 70_000_000n) / PERBILL
}

/** A validator that neither sent a heartbeat nor authored a block in a session. Time slot: the session index. */
export const UNRESPONSIVENESS: OffenceKind = {
  id: kindId('im-online:offlin'),
  name: 'unresponsiveness',
  slashFraction: unresponsivenessSlashFraction,
}

/** The slash of a storage challenge offence: 1 % of the offender's exposure, however many offend together. */
export const STORAGE_FAULT_SLASH = PERBILL / 100n

/**
 * Repeated storage faults (not in Crust): an owner whose storage nodes failed or missed
 * OFFENCE_FAULT_THRESHOLD challenges in one era (the Challenges pallet). Time slot: the era.
 * Storage nodes fail independently (a lost disk is not an attack on consensus), so the fraction
 * does not grow with the number of concurrent offenders.
 */
export const STORAGE_CHALLENGE_FAILURE: OffenceKind = {
  id: kindId('swork:challenges'),
  name: 'storage challenge failures',
  slashFraction: () => STORAGE_FAULT_SLASH,
}
