/**
 * The workload aggregation (crust-runtime.md §2.7): once per report slot, starting `reportSlot / 6`
 * blocks before the boundary, visit at most 500 identities per block, count the workload of every
 * sWorker that reported in the last slot (punishing a missed slot for `punishmentSlots` slots), then
 * write the totals and hand the per-owner workload to staking.
 */
import type { BlockContext } from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { END_OFFSET, HISTORY_SLOTS, IDENTITY_UPDATE_LENGTH, MIN_UPDATE_OFFSET, NEW_IDENTITY, NO_PUNISHMENT, UPDATE_OFFSET_DIVISOR } from './constants.js'
import { reportSlotOf } from './interface.js'
import {
  CurrentReportSlot,
  EnablePunishment,
  Free,
  Identities,
  IdentityCount,
  IdentityCursor,
  IdentityList,
  PendingWorkload,
  ReportedFilesSize,
  ReportedInSlot,
  Spower,
  Workload,
  WorkloadPageCount,
  WorkloadPages,
  WorkReports,
} from './storage.js'
import type { Identity } from './types.js'

const U128_MAX = (1n << 128n) - 1n
const add = (a: bigint, b: bigint) => (a + b > U128_MAX ? U128_MAX : a + b)

/** Blocks before a slot boundary at which the aggregation starts (Crust: REPORT_SLOT / 6 = 100). */
export function updateOffset(reportSlot: number): number {
  return Math.max(MIN_UPDATE_OFFSET, Math.floor(reportSlot / UPDATE_OFFSET_DIVISOR))
}

/**
 * Crust's `is_fully_reported`: a new identity is counted once (its grace); otherwise an identity
 * that did not report in `currentRs` is punished until `currentRs + punishmentSlots × reportSlot`.
 * Writes the identity when its deadline changes.
 */
function isFullyReported(ctx: BlockContext, who: Uint8Array, id: Identity, currentRs: bigint, enablePunishment: boolean): boolean {
  if (id.punishment_deadline === NEW_IDENTITY) {
    Identities.insert(ctx.state, who, { ...id, punishment_deadline: NO_PUNISHMENT })
    return true
  }
  const reported = ReportedInSlot.get(ctx.state, id.anchor, currentRs)
  if (!enablePunishment) return reported
  let deadline = id.punishment_deadline
  if (!reported) {
    deadline = currentRs + BigInt(ctx.config.punishmentSlots) * BigInt(ctx.config.reportSlot)
    Identities.insert(ctx.state, who, { ...id, punishment_deadline: deadline })
  }
  return currentRs >= deadline
}

type OwnerSums = Map<string, [Uint8Array, bigint]>

/** Adds `amount` to `owner`'s sum. */
function addTo(sums: OwnerSums, owner: Uint8Array, amount: bigint): void {
  const key = Buffer.from(owner.buffer, owner.byteOffset, owner.byteLength).toString('hex')
  sums.set(key, [owner, add(sums.get(key)?.[1] ?? 0n, amount)])
}

/** Every owner's workload of the running aggregation, merged from its pages, which are removed. */
function drainOwnerSums(state: StorageAccess, sums: OwnerSums): Array<[Uint8Array, bigint]> {
  const pages = WorkloadPageCount.get(state)
  for (let page = 0; page < pages; page++) {
    for (const [owner, amount] of WorkloadPages.get(state, page) ?? []) addTo(sums, owner, amount)
    WorkloadPages.remove(state, page)
  }
  WorkloadPageCount.kill(state)
  return [...sums.values()]
}

/**
 * Visits up to {@link IDENTITY_UPDATE_LENGTH} identities from the cursor (Crust's
 * `patial_update_identities`): writes the totals and one page with the visited identities' owners.
 */
function partialUpdate(ctx: BlockContext, cursor: number): void {
  const { state } = ctx
  const acc = Workload.get(state)
  if (acc === undefined) return
  const [entries, free0, spower0, files0] = acc
  // This block's page; an aggregation begun by a runtime that kept owners inside `Workload` continues in the pages.
  const sums: OwnerSums = new Map()
  for (const [owner, amount] of entries) addTo(sums, owner, amount)
  let [totalFree, totalSpower, totalFiles] = [free0, spower0, files0]
  const currentRs = CurrentReportSlot.get(state)
  const depth = BigInt(HISTORY_SLOTS * ctx.config.reportSlot)
  const enablePunishment = EnablePunishment.get(state)
  const count = IdentityCount.get(state)
  let next = cursor
  for (let visited = 0; visited < IDENTITY_UPDATE_LENGTH && next < count; visited++, next++) {
    const who = IdentityList.get(state, next)
    const id = who === undefined ? undefined : Identities.get(state, who)
    if (who === undefined || id === undefined) continue
    let free = 0n
    let spower = 0n
    let files = 0n
    const wr = WorkReports.get(state, id.anchor)
    if (wr !== undefined && isFullyReported(ctx, who, id, currentRs, enablePunishment)) {
      free = wr.free
      spower = wr.spower
      files = wr.reported_files_size
    }
    totalSpower = add(totalSpower, spower)
    totalFree = add(totalFree, free)
    totalFiles = add(totalFiles, files)
    addTo(sums, id.group ?? who, add(spower, free))
    if (currentRs >= depth) ReportedInSlot.remove(state, id.anchor, currentRs - depth)
  }
  if (next >= count) IdentityCursor.kill(state)
  else IdentityCursor.put(state, next)
  if (sums.size > 0) {
    const page = WorkloadPageCount.get(state)
    WorkloadPages.insert(state, page, [...sums.values()])
    WorkloadPageCount.put(state, page + 1)
  }
  Workload.put(state, [[], totalFree, totalSpower, totalFiles])
}

/** Writes the totals and the current report slot, and leaves the per-owner workload for staking. */
function finalize(ctx: BlockContext): void {
  const { state } = ctx
  const acc = Workload.get(state)
  if (acc === undefined) return
  const [entries, totalFree, totalSpower, totalFiles] = acc
  const sums: OwnerSums = new Map()
  for (const [owner, amount] of entries) addTo(sums, owner, amount)
  Free.put(state, totalFree)
  Spower.put(state, totalSpower)
  ReportedFilesSize.put(state, totalFiles)
  CurrentReportSlot.put(state, reportSlotOf(ctx.config, ctx.blockNumber))
  PendingWorkload.put(state, [drainOwnerSums(state, sums), add(totalSpower, totalFree)])
  IdentityCursor.kill(state)
  Workload.kill(state)
}

/**
 * sWork's `on_initialize`. The states, as in Crust: no cursor and no workload = idle; cursor and
 * workload = aggregating; workload without cursor = done, finalized in the next block. An
 * aggregation still running one block before the slot boundary is finalized with what it has.
 */
export function sworkOnInitialize(ctx: BlockContext): void {
  const { state, blockNumber: n } = ctx
  const slot = ctx.config.reportSlot
  if ((n + updateOffset(slot)) % slot === 0 && Workload.get(state) === undefined && IdentityCursor.get(state) === undefined) {
    IdentityCursor.put(state, 0)
    Workload.put(state, [[], 0n, 0n, 0n])
  }
  const cursor = IdentityCursor.get(state)
  if ((n + END_OFFSET) % slot !== 0 && cursor !== undefined) partialUpdate(ctx, cursor)
  else finalize(ctx)
}

/** Whether an aggregation is running (for tests and RPC helpers). */
export function aggregationRunning(state: StorageAccess): boolean {
  return IdentityCursor.get(state) !== undefined || Workload.get(state) !== undefined
}
