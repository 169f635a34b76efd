/** Ledger arithmetic (Substrate's `StakingLedger` methods as Crust uses them) and the staking lock. */
import type { BlockContext } from '../../frame/pallet.js'
import { removeLock, setLock } from '../balances.js'
import { STAKING_ID } from './constants.js'
import { Ledger } from './storage.js'
import type { StakingLedger } from './types.js'

/** The smaller of two balances. */
export function minBalance(a: bigint, b: bigint): bigint {
  if (a < b) return a
  return b
}

/**
 * Crust's `consolidate_unlocked` (cstrml/staking/src/lib.rs:216-246): chunks due by `currentEra`
 * are released in order, but never below `frozen` (what other locks keep): the chunk that would
 * cross it keeps the difference, with its era, and later chunks stay.
 */
export function consolidateUnlocked(ledger: StakingLedger, currentEra: number, frozen = 0n): StakingLedger {
  let total = ledger.total
  const unlocking: StakingLedger['unlocking'] = []
  for (const chunk of ledger.unlocking) {
    if (chunk.era > currentEra || total <= frozen) {
      unlocking.push(chunk)
      continue
    }
    total = total > chunk.value ? total - chunk.value : 0n
    if (total < frozen) {
      unlocking.push({ value: frozen - total, era: chunk.era })
      total = frozen
    }
  }
  return { ...ledger, total, unlocking }
}

/** Moves up to `value` from the latest unlocking chunks back to active; returns the ledger and the amount moved. */
export function rebondLedger(ledger: StakingLedger, value: bigint): [StakingLedger, bigint] {
  const unlocking = ledger.unlocking.map((c) => ({ ...c }))
  let moved = 0n
  while (unlocking.length > 0 && moved < value) {
    const last = unlocking[unlocking.length - 1]!
    const take = minBalance(value - moved, last.value)
    moved += take
    last.value -= take
    if (last.value === 0n) unlocking.pop()
  }
  return [{ ...ledger, active: ledger.active + moved, unlocking }, moved]
}

/** Writes the ledger and sets the stash's staking lock to its total (Crust's `update_ledger`). */
export function updateLedger(ctx: Pick<BlockContext, 'state'>, controller: Uint8Array, ledger: StakingLedger): void {
  setLock(ctx, ledger.stash, STAKING_ID, ledger.total)
  Ledger.insert(ctx.state, controller, ledger)
}

/** Releases the stash's lock (Crust's `kill_stash` part that touches balances). */
export function unlockStash(ctx: Pick<BlockContext, 'state'>, stash: Uint8Array): void {
  removeLock(ctx, stash, STAKING_ID)
}

/**
 * Takes up to `value` out of a ledger (Crust's `StakingLedger::slash`): from `active` first, then
 * from the unlocking chunks closest to unlocking; a part left at or below `minimumBalance` is swept
 * into the slash too (no dust stays staked), which can make the slash larger than `value`. Returns
 * the new ledger and the amount actually taken (pre-total − total).
 */
export function slashLedger(ledger: StakingLedger, value: bigint, minimumBalance: bigint): [StakingLedger, bigint] {
  let total = ledger.total
  let remaining = value
  const slashOutOf = (target: bigint): bigint => {
    let fromTarget = remaining < target ? remaining : target
    if (fromTarget === 0n) return target
    let left = target - fromTarget
    if (left <= minimumBalance) {
      fromTarget += left
      remaining += left
      left = 0n
    }
    total = total > fromTarget ? total - fromTarget : 0n
    remaining -= fromTarget
    return left
  }
  const active = slashOutOf(ledger.active)
  const unlocking = ledger.unlocking.map((c) => ({ ...c }))
  // Chunks are slashed in order while the previous ones were used up (Rust's lazy take_while).
  let drained = 0
  for (const chunk of unlocking) {
    chunk.value = slashOutOf(chunk.value)
    if (chunk.value !== 0n) break
    drained++
  }
  return [{ ...ledger, total, active, unlocking: unlocking.slice(drained) }, ledger.total - total]
}
