/**
 * What other pallets use from sWork (Crust's `SworkerInterface`): owners, anchors, sWorker spower,
 * report history, the added-files counter, and the workload hand-off to staking.
 */
import { hexToU8a } from '@polkadot/util'
import type { RuntimeConfig } from '../../frame/config.js'
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import {
  AddedFilesCount,
  Free,
  Identities,
  IdentityCount,
  IdentityList,
  LastProcessedBlockWorkReports,
  PendingWorkload,
  ReportedInSlot,
  Spower,
  WorkReports,
} from './storage.js'
import { type Identity, sameBytes } from './types.js'

const U64_MAX = (1n << 64n) - 1n

/** The report slot a block belongs to: floor(block / reportSlot) × reportSlot. */
export function reportSlotOf(config: Pick<RuntimeConfig, 'reportSlot'>, blockNumber: number): bigint {
  const slot = BigInt(config.reportSlot)
  return (BigInt(blockNumber) / slot) * slot
}

/** The account a node's storage counts for: its group owner, or itself when it is in no group. */
export function ownerOf(state: StorageReader, who: Uint8Array): Uint8Array {
  return Identities.get(state, who)?.group ?? who
}

/** Whether `who`'s identity has this anchor (Crust's `check_anchor`). */
export function checkAnchor(state: StorageReader, who: Uint8Array, anchor: Uint8Array): boolean {
  const id = Identities.get(state, who)
  return id !== undefined && sameBytes(id.anchor, anchor)
}

/** Whether the sWorker with this anchor reported in the slot before the one `blockNumber` is in (Crust's `is_wr_reported`). */
export function isWrReported(state: StorageReader, config: Pick<RuntimeConfig, 'reportSlot'>, anchor: Uint8Array, blockNumber: number): boolean {
  const current = reportSlotOf(config, blockNumber)
  const previous = current > BigInt(config.reportSlot) ? current - BigInt(config.reportSlot) : 0n
  return ReportedInSlot.get(state, anchor, previous)
}

/**
 * Adjusts an sWorker's spower (saturating at 0 and u64::MAX), as market's spower ripening and file
 * closing do (Crust's `SworkerInterface::update_spower`). No-op when the anchor has no work report.
 */
export function updateSpower(state: StorageAccess, anchor: Uint8Array, decrease: bigint, increase: bigint): void {
  if (decrease === increase) return
  const wr = WorkReports.get(state, anchor)
  if (wr === undefined) return
  let spower = wr.spower + increase
  if (spower > U64_MAX) spower = U64_MAX
  spower -= decrease
  WorkReports.insert(state, anchor, { ...wr, spower: spower < 0n ? 0n : spower })
}

/**
 * Applies net spower changes per sWorker anchor (hex), saturating at 0 and u64::MAX; an anchor with
 * no work report is left alone (Crust's `update_sworkers_changed_spower`, cstrml/swork/src/lib.rs:189-204).
 */
export function applySpowerChanges(state: StorageAccess, changes: Map<string, bigint>): void {
  for (const [anchorHex, change] of changes) {
    const anchor = hexToU8a(anchorHex)
    if (change > 0n) updateSpower(state, anchor, 0n, change)
    else if (change < 0n) updateSpower(state, anchor, -change, 0n)
  }
}

/** Records the last block whose work reports the spower superior processed (Crust's `update_last_processed_block_of_work_reports`). */
export function setLastProcessedBlockOfWorkReports(state: StorageAccess, block: number): void {
  LastProcessedBlockWorkReports.put(state, block)
}

/** Reads `AddedFilesCount` and resets it to 0 (Crust's `get_added_files_count_and_clear_record`). */
export function takeAddedFilesCount(state: StorageAccess): number {
  const count = AddedFilesCount.get(state)
  AddedFilesCount.put(state, 0)
  return count
}

/** Stores an identity; a new account is appended to the list the workload aggregation walks. */
export function putIdentity(state: StorageAccess, who: Uint8Array, id: Identity): void {
  if (!Identities.contains(state, who)) {
    const count = IdentityCount.get(state)
    IdentityList.insert(state, count, who)
    IdentityCount.put(state, count + 1)
  }
  Identities.insert(state, who, id)
}

/** A finished workload aggregation, as Crust passes it to staking's `report_works`. */
export interface WorkloadHandOff {
  /** Per owner (group owner, or the reporter itself): Σ (spower + free) of its fully reported sWorkers, in bytes. */
  workload: Array<[owner: Uint8Array, bytes: bigint]>
  /** Σ spower + Σ free over every counted sWorker. */
  totalWorkload: bigint
}

/**
 * The interface the staking pallet consumes: returns the workload of the last finished aggregation
 * and clears it, or undefined when none is waiting. sWork finishes an aggregation once per report
 * slot in an `on_initialize`; staking (a later pallet, so its `on_initialize` runs after sWork's in
 * the same block) calls this there and recomputes stake limits from it, as Crust's
 * `Works::report_works(workload_map, total_workload)` does. A hand-off nobody takes is replaced by
 * the next one.
 */
export function takeWorkload(state: StorageAccess): WorkloadHandOff | undefined {
  const pending = PendingWorkload.get(state)
  if (pending === undefined) return undefined
  PendingWorkload.kill(state)
  return { workload: pending[0], totalWorkload: pending[1] }
}

/** Σ spower + Σ free of the last aggregation (free moves with each report): the total stake limits are shared by. */
export function totalWorkload(state: StorageReader): bigint {
  return Spower.get(state) + Free.get(state)
}
