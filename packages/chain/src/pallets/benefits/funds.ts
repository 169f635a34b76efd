/** Bookkeeping of benefit funds shared by both fund types: cutting, rebonding, maturing chunks. */
import { BENEFIT_REPORT_WORK_COST, BONDING_DURATION } from './constants.js'
import type { FundsUnlockChunk } from './types.js'

/** The fields SworkBenefit and MarketBenefit share. Invariant: total = active + Σ unlocking. */
export interface Funds {
  total_funds: bigint
  active_funds: bigint
  unlocking_funds: FundsUnlockChunk[]
}

const U32_MAX = 2 ** 32 - 1

/** How many fee-free work reports per era `activeFunds` of SWORK funds pay for (saturating u32). */
export function feeReductionCount(activeFunds: bigint): number {
  const count = activeFunds / BENEFIT_REPORT_WORK_COST
  return count > BigInt(U32_MAX) ? U32_MAX : Number(count)
}

/**
 * Moves up to `value` of active funds into a new unlocking chunk that matures at `era` +
 * BondingDuration. An active remainder below the existential deposit joins the chunk (no dust is
 * left bonded). Returns the updated funds and the amount put into the chunk (0: nothing changed).
 */
export function cutFunds<B extends Funds>(benefit: B, value: bigint, era: number, existentialDeposit: bigint): { benefit: B; cut: bigint } {
  let cut = value < benefit.active_funds ? value : benefit.active_funds
  if (cut === 0n) return { benefit, cut }
  let active = benefit.active_funds - cut
  if (active < existentialDeposit) {
    cut += active
    active = 0n
  }
  return {
    benefit: { ...benefit, active_funds: active, unlocking_funds: [...benefit.unlocking_funds, { value: cut, era: era + BONDING_DURATION }] },
    cut,
  }
}

/**
 * Takes up to `value` back from the newest unlocking chunks into active funds (Crust's `rebond`).
 * Returns the updated funds and the amount rebonded (less than `value` when not that much is
 * unlocking).
 */
export function rebondFunds<B extends Funds>(benefit: B, value: bigint): { benefit: B; rebonded: bigint } {
  const chunks = benefit.unlocking_funds.map((c) => ({ ...c }))
  let rebonded = 0n
  while (chunks.length > 0 && rebonded < value) {
    const last = chunks[chunks.length - 1]!
    if (rebonded + last.value <= value) {
      rebonded += last.value
      chunks.pop()
    } else {
      last.value -= value - rebonded
      rebonded = value
    }
  }
  return { benefit: { ...benefit, active_funds: benefit.active_funds + rebonded, unlocking_funds: chunks }, rebonded }
}

/**
 * Drops the chunks that have matured by `era` (chunk era ≤ `era`) and takes their value off
 * `total_funds` (Crust's `consolidate_unlocked`). The caller unreserves the difference.
 */
export function consolidateUnlocked<B extends Funds>(benefit: B, era: number): B {
  let total = benefit.total_funds
  const kept: FundsUnlockChunk[] = []
  for (const chunk of benefit.unlocking_funds) {
    if (chunk.era > era) kept.push(chunk)
    else total = total > chunk.value ? total - chunk.value : 0n
  }
  return { ...benefit, total_funds: total, unlocking_funds: kept }
}
