/** Crust's storage deposit formula (crustio/crust primitives/src/constants.rs `deposit`). */
import { CRU } from '../constants.js'

const CENTS = CRU / 100n
const MILLICENTS = CENTS / 1_000n

/** `deposit(items, bytes) = items * 1_000 CENTS + bytes * 100 MILLICENTS` (10 CRU per item, 0.001 CRU per byte). */
export function crustDeposit(items: number, bytes: number): bigint {
  return BigInt(items) * 1_000n * CENTS + BigInt(bytes) * 100n * MILLICENTS
}
