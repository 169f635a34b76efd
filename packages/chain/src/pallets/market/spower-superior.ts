/**
 * Spower ripening. A replica counts its file size for SpowerReadyPeriod blocks, then the file's
 * replica-scaled spower. Crust moves files over with its superior's `calculate_spowers` calls
 * (cstrml/market/src/lib.rs:606-646, sent by the off-chain crust-spower service); we offer the same
 * calls and origin, and also ripen every replica on our own with a bounded sweep in
 * `on_initialize`, so that an untouched file still moves to its table multiple with no service
 * running: each added replica is queued under the block it was created at, and each block
 * visits at most RIPEN_STEPS_PER_BLOCK queue slots and RIPEN_FILES_PER_BLOCK files.
 */
import { type BlockContext, type DispatchContext, moduleError } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { MAX_CALCULATE_SPOWER_FILES_COUNT, RIPEN_FILES_PER_BLOCK, RIPEN_STEPS_PER_BLOCK } from './constants.js'
import { marketErrors, marketEvents } from './errors.js'
import { rebaseSpowers } from './replicas.js'
import {
  FilesV2,
  LastSpowerCalculateBlock,
  RIPENING_PAGE,
  RipeningCount,
  RipeningCursor,
  RipeningOffset,
  RipeningPages,
  RipeningQueue,
  SpowerReadyPeriod,
  SpowerSuperior,
} from './storage.js'

type Ctx = Pick<DispatchContext, 'state' | 'config' | 'deposit' | 'blockNumber'>

/** Rebases one file's spowers (ripe replicas switch over); returns the anchors changed and whether the file was. */
function ripenFile(ctx: Ctx, cid: Uint8Array): { anchors: string[]; updated: boolean } {
  const stored = FilesV2.get(ctx.state, cid)
  if (stored === undefined) return { anchors: [], updated: false }
  const file = { ...stored }
  const anchors = rebaseSpowers(ctx, file)
  const updated = anchors.length > 0 || file.spower !== stored.spower || file.replicas.some(([, r], i) => r.created_at !== stored.replicas[i]![1].created_at)
  if (updated) FilesV2.insert(ctx.state, cid, file)
  return { anchors, updated }
}

/** The bounded sweep, from `on_initialize`. */
export function sweepRipening(ctx: BlockContext): void {
  const ready = SpowerReadyPeriod.get(ctx.state)
  let cursor = RipeningCursor.get(ctx.state)
  const budget = { files: RIPEN_FILES_PER_BLOCK }
  for (let steps = 0; steps < RIPEN_STEPS_PER_BLOCK && cursor + ready <= ctx.blockNumber; steps++) {
    if (!sweepLegacySlot(ctx, cursor, budget) || !sweepSlot(ctx, cursor, budget)) break
    cursor++
  }
  RipeningCursor.put(ctx.state, cursor)
}

/** Ripens a block's files queued by an older runtime (one Vec); false when the budget ran out first. */
function sweepLegacySlot(ctx: BlockContext, slot: number, budget: { files: number }): boolean {
  const queued = RipeningQueue.get(ctx.state, slot)
  if (queued.length === 0) return true
  const done = Math.min(queued.length, budget.files)
  for (let i = 0; i < done; i++) ripenFile(ctx, queued[i]!)
  budget.files -= done
  if (done < queued.length) {
    RipeningQueue.insert(ctx.state, slot, queued.slice(done))
    return false
  }
  RipeningQueue.remove(ctx.state, slot)
  return true
}

/** Ripens a block's paged files from where the last sweep stopped; false when the budget ran out first. */
function sweepSlot(ctx: BlockContext, slot: number, budget: { files: number }): boolean {
  const count = RipeningCount.get(ctx.state, slot)
  if (count === 0) return true
  const start = RipeningOffset.get(ctx.state)
  let offset = start
  while (offset < count && budget.files > 0) {
    const page = Math.floor(offset / RIPENING_PAGE)
    const files = RipeningPages.get(ctx.state, slot, page)
    const from = offset % RIPENING_PAGE
    if (files.length <= from) {
      // A page shorter than its count says (never written so): skip it rather than loop.
      offset = (page + 1) * RIPENING_PAGE
      continue
    }
    const to = Math.min(files.length, from + budget.files)
    for (let i = from; i < to; i++) ripenFile(ctx, files[i]!)
    budget.files -= to - from
    offset += to - from
    if (to === files.length) RipeningPages.remove(ctx.state, slot, page)
  }
  if (offset < count) {
    if (offset !== start) RipeningOffset.put(ctx.state, offset)
    return false
  }
  RipeningCount.remove(ctx.state, slot)
  if (start !== 0) RipeningOffset.put(ctx.state, 0)
  return true
}

/** Throws unless `caller` is the spower superior (SpowerSuperiorNotSet, IllegalSpowerSuperior). */
export function ensureSuperior(state: StorageAccess, caller: Uint8Array): void {
  const superior = SpowerSuperior.get(state)
  if (superior === undefined) throw moduleError(marketErrors.SpowerSuperiorNotSet)
  if (Buffer.compare(Buffer.from(superior), Buffer.from(caller)) !== 0) throw moduleError(marketErrors.IllegalSpowerSuperior)
}

/** `calculate_spowers(cids)` by the superior: fee-free, at most 300 files (cstrml/market/src/lib.rs:611-646). */
export function calculateSpowers(ctx: Ctx, caller: Uint8Array, cids: Uint8Array[]): { paysFee: false } {
  ensureSuperior(ctx.state, caller)
  if (cids.length > MAX_CALCULATE_SPOWER_FILES_COUNT) throw moduleError(marketErrors.ExceedCalculateSpowerFilesLimit)
  const anchors = new Set<string>()
  let updated = 0
  for (const cid of cids) {
    const r = ripenFile(ctx, cid)
    for (const a of r.anchors) anchors.add(a)
    if (r.updated) updated++
  }
  LastSpowerCalculateBlock.put(ctx.state, ctx.blockNumber)
  ctx.deposit(marketEvents.CalculateSpowersSuccess, { who: caller, block: ctx.blockNumber, sworkers: anchors.size, files: updated })
  return { paysFee: false }
}

/** `set_spower_ready_period(period)` by the superior (cstrml/market/src/lib.rs:649-664). */
export function setSpowerReadyPeriod(ctx: Ctx, caller: Uint8Array, period: number): void {
  ensureSuperior(ctx.state, caller)
  SpowerReadyPeriod.put(ctx.state, period)
  ctx.deposit(marketEvents.SetSpowerReadyPeriodSuccess, { period })
}
