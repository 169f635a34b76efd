/**
 * `update_replicas` by the spower superior (Crust HEAD, cstrml/market/src/lib.rs:554-605 and
 * `internal_update_replicas`, 1015-1124): replicas added and deleted by the work reports the
 * off-chain crust-spower service indexed, applied file by file, fee-free.
 *
 * Here `swork.report_works` already adds and deletes replicas in the report's own transaction, so
 * this call is for tools written against Crust's superior: a replica it names that is already
 * there (same owner) is not added twice, one that is gone is not deleted twice. Replicas go
 * through the same helpers as report_works (paid owners, ripening, spower rebasing). Crust's
 * correction of `AddedFilesCount` for files that no longer exist is left out: report_works counts
 * only files that exist when it runs, so those replicas were never counted.
 */
import { u8aToHex } from '@polkadot/util'
import type { DispatchContext } from '../../frame/pallet.js'
import { accountId32, bool, type Infer, named, tuple, u32, u64, vec } from '../../primitives/codec/scale-type.js'
import { applySpowerChanges, setLastProcessedBlockOfWorkReports } from '../swork/interface.js'
import { marketEvents } from './errors.js'
import { deleteOwnerReplica, upsertReplica } from './replicas.js'
import { ensureSuperior } from './spower-superior.js'
import { FilesV2, LastReplicasUpdateBlock } from './storage.js'
import { merkleRoot, sworkerAnchor } from './types.js'

const account = named(accountId32, 'T::AccountId')
const blockNumber = named(u32, 'BlockNumber')

/** `(reporter, owner, sworker_anchor, report_slot, report_block, valid_at, is_added)`: Crust's raw `ReplicaToUpdate`. */
const replicaToUpdate = tuple(account, account, sworkerAnchor, named(u64, 'ReportSlot'), blockNumber, blockNumber, bool)

/** `Vec<(MerkleRoot, u64, Vec<(T::AccountId, T::AccountId, SworkerAnchor, ReportSlot, BlockNumber, BlockNumber, bool)>)>`. */
export const fileInfosMap = named(
  vec(tuple(merkleRoot, u64, vec(replicaToUpdate))),
  'Vec<(MerkleRoot, u64, Vec<(T::AccountId, T::AccountId, SworkerAnchor, ReportSlot, BlockNumber, BlockNumber, bool)>)>',
)
export type FileInfosMap = Infer<typeof fileInfosMap>

type Ctx = Pick<DispatchContext, 'state' | 'config' | 'deposit' | 'blockNumber'>

/** Applies the superior's replica changes; returns that the call pays no fee. */
export function updateReplicas(ctx: Ctx, caller: Uint8Array, files: FileInfosMap, lastProcessedBlock: number): { paysFee: false } {
  ensureSuperior(ctx.state, caller)
  // Net spower change per sWorker anchor, applied once at the end as Crust does.
  const changes = new Map<string, bigint>()
  const bump = (anchor: Uint8Array, delta: bigint) => {
    const key = u8aToHex(anchor)
    changes.set(key, (changes.get(key) ?? 0n) + delta)
  }
  let changedFiles = 0
  fileLoop: for (const [cid, fileSize, replicas] of files) {
    // Added before deleted, each in report-block order (Array.prototype.sort is stable, as Rust's sort_by).
    const byReportBlock = (a: (typeof replicas)[number], b: (typeof replicas)[number]) => a[4] - b[4]
    const added = replicas.filter((r) => r[6]).sort(byReportBlock)
    const deleted = replicas.filter((r) => !r[6]).sort(byReportBlock)
    // An unknown file (never ordered, closed, or illegal): its replicas are ignored.
    if (!FilesV2.contains(ctx.state, cid)) continue
    for (const [reporter, owner, anchor, , , validAt] of added) {
      const credited = upsertReplica(ctx, { reporter, owner, cid, fileSize, validAt, anchor })
      // Reported larger than ordered: the file was closed (IllegalFileClosed); its other replicas are moot.
      if (!FilesV2.contains(ctx.state, cid)) {
        changedFiles++
        continue fileLoop
      }
      if (credited > 0n) bump(anchor, credited)
    }
    for (const [reporter, owner, anchor] of deleted) {
      const removed = deleteOwnerReplica(ctx, cid, owner, reporter, anchor)
      if (removed !== undefined) bump(anchor, -removed)
    }
    changedFiles++
  }
  setLastProcessedBlockOfWorkReports(ctx.state, lastProcessedBlock)
  applySpowerChanges(ctx.state, changes)
  LastReplicasUpdateBlock.put(ctx.state, ctx.blockNumber)
  ctx.deposit(marketEvents.UpdateReplicasSuccess, { who: caller, block: ctx.blockNumber, changed: changedFiles, lastProcessed: lastProcessedBlock })
  return { paysFee: false }
}
