/**
 * A work report's files applied to the market (`swork.report_works`' step 11): a replica for each
 * added file, then the reporter's replica of each deleted file removed.
 */
import type { DispatchContext } from '../../frame/pallet.js'
import { ReplicaIndexBatch } from './replica-indexes.js'
import { deleteReplica, fileExists, upsertReplica } from './replicas.js'

/** A reported file: `(cid, size, c_block_num)`. */
export type ReportedFile = readonly [cid: Uint8Array, size: bigint, block: bigint]

/** Who reports: the account, its group owner (or itself) and its sWorker's anchor. */
export interface Reporting {
  reporter: Uint8Array
  owner: Uint8Array
  anchor: Uint8Array
}

export interface ReportedFilesOutcome {
  /** Spower credited to the reporter's sWorker for the added replicas. */
  addedSpower: bigint
  /** Added files that exist (Crust's `is_valid_cid`), for `AddedFilesCount`. */
  addedCount: number
  /** Spower the removed replicas took off the reporter's sWorker. */
  deletedSpower: bigint
}

type Ctx = Pick<DispatchContext, 'state' | 'config' | 'deposit' | 'blockNumber'>

export function applyReportedFiles(ctx: Ctx, by: Reporting, added: readonly ReportedFile[], deleted: readonly ReportedFile[]): ReportedFilesOutcome {
  const { reporter, owner, anchor } = by
  let addedSpower = 0n
  let addedCount = 0
  // The added replicas' file-list and ripening-queue entries are written together after the loop
  // (each page once), and before the deletes, which read the file list.
  const indexes = new ReplicaIndexBatch()
  for (const [cid, size, block] of added) {
    const credited = upsertReplica(ctx, { reporter, owner, cid, fileSize: size, validAt: Number(block), anchor }, indexes)
    addedSpower += credited
    // Counted when the file (still) exists: Crust's `is_valid_cid` (a credited file certainly does).
    if (credited > 0n || fileExists(ctx.state, cid)) addedCount++
  }
  indexes.flush(ctx.state)
  let deletedSpower = 0n
  for (const [cid] of deleted) deletedSpower += deleteReplica(ctx, { reporter, owner, cid, anchor })
  return { addedSpower, addedCount, deletedSpower }
}
