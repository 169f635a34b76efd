/**
 * The market side of storage proofs: sWork's `report_works` adds and deletes replicas here.
 * (Contract used by the swork pallet; the full accounting lives in this module.)
 */
import type { DispatchContext } from '../../runtime/pallet.js'
import type { StorageReader } from '../../runtime/storage.js'

/** One added or deleted file of a work report. */
export interface ReplicaChange {
  /** The account that sent the work report. */
  reporter: Uint8Array
  /** The reporter's group owner, or the reporter itself when it is not in a group. */
  owner: Uint8Array
  cid: Uint8Array
  /** The file size the sWorker reported. */
  fileSize: bigint
  /** Block at which the sWorker stored the file (`c_block_num`): the replica's `valid_at`. */
  validAt: number
  /** The sWorker's anchor (its first enclave public key, 64 bytes). */
  anchor: Uint8Array
}

/**
 * Adds a replica for an added file of a work report. Returns the spower credited to the
 * reporter's sWorker (the file size while the replica ripens), or 0 when nothing was added
 * (unknown file, replica of that owner already present, 200 replicas reached, illegal size).
 */
export function upsertReplica(_ctx: DispatchContext, _change: ReplicaChange): bigint {
  return 0n
}

/** Removes the reporter's replica for a deleted file. Returns the spower to take off its sWorker. */
export function deleteReplica(_ctx: DispatchContext, _change: Omit<ReplicaChange, 'fileSize' | 'validAt'>): bigint {
  return 0n
}

/** Whether a file (order) exists. */
export function fileExists(_state: StorageReader, _cid: Uint8Array): boolean {
  return false
}
