/**
 * The market side of storage proofs: sWork's `report_works` adds and deletes replicas here, in the
 * same transaction as the report (the chain alone is the source of truth). The first four distinct
 * owners are paid from the file's amount, each only while its collateral covers the reward.
 */
import { maybeRewardMerchant } from '../benefits/index.js'
import { transfer } from '../balances.js'
import type { DispatchContext } from '../../frame/pallet.js'
import type { StorageReader } from '../../frame/storage.js'
import { MAX_REPLICAS, REPLICA_REWARD_PARTS, RESERVED_POT, STORAGE_POT } from './constants.js'
import { marketEvents } from './errors.js'
import { perbillMul } from './math.js'
import { calculateSpower } from './spower.js'
import { updateSpower } from '../swork/interface.js'
import { untrackReplica } from './anchor-files.js'
import { type ReplicaIndexes, writeReplicaIndexes } from './replica-indexes.js'
import { FileRootCandidates, forgetFileRoot } from './file-roots.js'
import type { Replica } from './types.js'
import { type FileInfo, FileKeysCount, FilesV2, OrdersCount, SpowerReadyPeriod } from './storage.js'
import { canAddInPlace, readFileBytes, scanReplicas, spowerWithOneMore, withReplica } from './replica-bytes.js'

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

type Ctx = Pick<DispatchContext, 'state' | 'config' | 'deposit' | 'blockNumber'>

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

/**
 * Adds a replica for an added file of a work report. Returns the spower credited to the
 * reporter's sWorker (the file size while the replica ripens), or 0 when nothing was added
 * (unknown file, replica of that owner already present, 200 replicas reached, illegal size).
 * The replica goes into its sWorker's file list and the ripening queue through `indexes`: at once
 * by default, or collected by a `ReplicaIndexBatch` for a work report's adds.
 */
export function upsertReplica(ctx: Ctx, change: ReplicaChange, indexes: ReplicaIndexes = writeReplicaIndexes(ctx.state)): bigint {
  const key = FilesV2.key(change.cid)
  const raw = ctx.state.get(key)
  if (raw === undefined) return 0n
  return addReplicaInPlace(ctx, change, key, raw, indexes) ?? upsertReplicaDecoded(ctx, change, indexes)
}

/**
 * The common case of {@link upsertReplica} on the stored bytes ({@link withReplica}): the same
 * effects in the same order, undefined when the case is not one it does (nothing is written then).
 */
export function addReplicaInPlace(
  ctx: Ctx,
  change: ReplicaChange,
  key: Uint8Array,
  raw: Uint8Array,
  indexes: ReplicaIndexes = writeReplicaIndexes(ctx.state),
): bigint | undefined {
  const file = readFileBytes(raw)
  const now = ctx.blockNumber
  const ready = SpowerReadyPeriod.get(ctx.state)
  const scan = scanReplicas(file, change.owner, now - ready)
  if (!canAddInPlace(file, scan, change.validAt, ready, now)) return undefined
  indexes.replicaAdded(change.anchor, change.cid, now)
  let { amount, remainingPaidCount, expiredAt, calculatedAt } = file
  if (remainingPaidCount > 0) {
    const reward = perbillMul(REPLICA_REWARD_PARTS[remainingPaidCount] ?? 0, amount)
    if (maybeRewardMerchant(ctx, change.owner, reward)) {
      amount -= reward
      remainingPaidCount -= 1
    }
  }
  if (expiredAt === 0) {
    calculatedAt = now
    expiredAt = now + ctx.config.fileDuration
  }
  // rebaseSpowers' work: the ripe replicas follow the file's spower (no-ops when it stays).
  const spower = spowerWithOneMore(file)
  for (const anchor of scan.ripeAnchors) updateSpower(ctx.state, anchor, file.spower, spower)
  const replica: Replica = { who: change.reporter, valid_at: change.validAt, anchor: change.anchor, is_reported: true, created_at: change.validAt }
  ctx.state.set(key, withReplica(file, scan, change.owner, replica, { spower, expiredAt, calculatedAt, amount, remainingPaidCount }))
  return file.fileSize
}

/** {@link upsertReplica} on the decoded file: every case (exported for the spec comparing both paths). */
export function upsertReplicaDecoded(ctx: Ctx, change: ReplicaChange, indexes: ReplicaIndexes = writeReplicaIndexes(ctx.state)): bigint {
  const stored = FilesV2.get(ctx.state, change.cid)
  if (stored === undefined) return 0n
  const file = { ...stored, replicas: [...stored.replicas] }
  const now = ctx.blockNumber
  if (file.replicas.length === 0) {
    if (change.fileSize > file.file_size) {
      closeIllegalFile(ctx, change, file.amount + file.prepaid)
      return 0n
    }
    // A smaller real size lowers the file's size; the payment is not refunded.
    file.file_size = change.fileSize
  }
  if (file.replicas.length >= MAX_REPLICAS || file.replicas.some(([owner]) => sameBytes(owner, change.owner))) return 0n
  file.replicas.push([change.owner, { who: change.reporter, valid_at: change.validAt, anchor: change.anchor, is_reported: true, created_at: change.validAt }])
  file.reported_replica_count += 1
  // Queued under this block, not the reporter-given valid_at: a slot then holds at most one block's
  // added replicas (honest valid_at are at most this block, so they are ripe when their slot is swept).
  indexes.replicaAdded(change.anchor, change.cid, ctx.blockNumber)
  if (file.remaining_paid_count > 0) {
    const parts = REPLICA_REWARD_PARTS[file.remaining_paid_count] ?? 0
    const reward = perbillMul(parts, file.amount)
    if (maybeRewardMerchant(ctx, change.owner, reward)) {
      file.amount -= reward
      file.remaining_paid_count -= 1
    }
  }
  if (file.expired_at === 0) {
    file.calculated_at = now
    file.expired_at = now + ctx.config.fileDuration
  }
  const credited = file.file_size
  rebaseSpowers(ctx, file)
  FilesV2.insert(ctx.state, change.cid, file)
  return credited
}

/**
 * Recomputes the file's spower from its replica count and moves every replica holder's sWorker
 * spower with it: a replica counts the file size while it ripens, then (after SpowerReadyPeriod)
 * the file's replica-scaled spower (Crust's `internal_calculate_spowers`,
 * cstrml/market/src/lib.rs:1233-1281). At most 200 replicas, so the work is bounded. Returns the
 * anchors (hex) whose spower changed; the caller writes the file back.
 */
export function rebaseSpowers(ctx: Ctx, file: FileInfo): string[] {
  const oldSpower = file.spower
  const newSpower = calculateSpower(file.file_size, file.reported_replica_count)
  const ready = SpowerReadyPeriod.get(ctx.state)
  const changed: string[] = []
  file.replicas = file.replicas.map(([owner, replica]) => {
    if (replica.created_at === undefined) {
      if (oldSpower !== newSpower) changed.push(Buffer.from(replica.anchor).toString('hex'))
      updateSpower(ctx.state, replica.anchor, oldSpower, newSpower)
      return [owner, replica]
    }
    if (replica.created_at + ready <= ctx.blockNumber) {
      if (file.file_size !== newSpower) changed.push(Buffer.from(replica.anchor).toString('hex'))
      updateSpower(ctx.state, replica.anchor, file.file_size, newSpower)
      return [owner, { ...replica, created_at: undefined }]
    }
    return [owner, replica]
  })
  file.spower = newSpower
  return changed
}

/** Takes every replica's contribution off its sWorker (the file is gone). */
export function removeSpowers(ctx: Ctx, file: FileInfo): void {
  for (const [, replica] of file.replicas) {
    updateSpower(ctx.state, replica.anchor, replica.created_at === undefined ? file.spower : file.file_size, 0n)
  }
}

/** A file reported larger than ordered: its value goes to the reporter's group owner (collateral permitting) or the reserved pot. */
function closeIllegalFile(ctx: Ctx, change: ReplicaChange, value: bigint): void {
  const inGroup = !sameBytes(change.owner, change.reporter)
  if (!(inGroup && maybeRewardMerchant(ctx, change.owner, value)) && value > 0n) transfer(ctx, STORAGE_POT, RESERVED_POT, value, true)
  FilesV2.remove(ctx.state, change.cid)
  forgetFileRoot(ctx.state, change.cid)
  FileKeysCount.put(ctx.state, Math.max(0, FileKeysCount.get(ctx.state) - 1))
  OrdersCount.put(ctx.state, Math.max(0, OrdersCount.get(ctx.state) - 1))
  ctx.deposit(marketEvents.IllegalFileClosed, { cid: change.cid })
}

/**
 * Removes replica `index` of a stored file: the replica count and spowers follow, the file is written
 * back. Returns the removed replica and the spower its sWorker was credited (the file size while it
 * ripened, the file's spower once ripe), which the caller takes off that sWorker.
 */
function removeReplicaAt(ctx: Ctx, cid: Uint8Array, stored: FileInfo, index: number): { owner: Uint8Array; replica: Replica; spower: bigint } {
  const [owner, replica] = stored.replicas[index]!
  const file = { ...stored, replicas: stored.replicas.filter((_, i) => i !== index) }
  untrackReplica(ctx.state, replica.anchor, cid)
  // Crust decrements unconditionally (cstrml/market/src/lib.rs:1224-1226): flags no longer change.
  file.reported_replica_count = Math.max(0, file.reported_replica_count - 1)
  rebaseSpowers(ctx, file)
  FilesV2.insert(ctx.state, cid, file)
  // A root its holder submitted no longer speaks for a replica.
  const candidates = FileRootCandidates.get(ctx.state, cid)
  const kept = candidates.filter(([who]) => !sameBytes(who, replica.who))
  if (kept.length !== candidates.length) {
    if (kept.length === 0) FileRootCandidates.remove(ctx.state, cid)
    else FileRootCandidates.insert(ctx.state, cid, kept)
  }
  return { owner, replica, spower: replica.created_at !== undefined ? stored.file_size : stored.spower }
}

/** Removes the reporter's replica for a deleted file. Returns the spower to take off its sWorker. */
export function deleteReplica(ctx: Ctx, change: Omit<ReplicaChange, 'fileSize' | 'validAt'>): bigint {
  const stored = FilesV2.get(ctx.state, change.cid)
  if (stored === undefined) return 0n
  const index = stored.replicas.findIndex(([, r]) => sameBytes(r.who, change.reporter))
  if (index < 0) return 0n
  const { replica, spower } = removeReplicaAt(ctx, change.cid, stored, index)
  return sameBytes(replica.anchor, change.anchor) ? spower : 0n
}

/**
 * Removes the replica kept under `owner` when `reporter` holds it (Crust HEAD's `delete_replica`,
 * cstrml/market/src/lib.rs:1202-1231, as `update_replicas` uses it). Returns undefined when no
 * replica was removed, else the spower to take off sWorker `anchor`: the replica's (see
 * {@link removeReplicaAt}) when it was kept under that anchor, else 0 (a re-registered sWorker
 * started again from 0).
 */
export function deleteOwnerReplica(ctx: Ctx, cid: Uint8Array, owner: Uint8Array, reporter: Uint8Array, anchor: Uint8Array): bigint | undefined {
  const stored = FilesV2.get(ctx.state, cid)
  if (stored === undefined) return undefined
  const index = stored.replicas.findIndex(([o, r]) => sameBytes(o, owner) && sameBytes(r.who, reporter))
  if (index < 0) return undefined
  const { replica, spower } = removeReplicaAt(ctx, cid, stored, index)
  return sameBytes(replica.anchor, anchor) ? spower : 0n
}

/**
 * Removes the replica sWorker `anchor` holds of file `cid` (a failed storage challenge, a declared
 * loss, a wrong root), taking its spower off that sWorker's work report at once. Returns the
 * replica's owner and the spower taken off, or undefined when the anchor holds no replica of it.
 */
export function removeReplicaOfAnchor(ctx: Ctx, cid: Uint8Array, anchor: Uint8Array): { owner: Uint8Array; who: Uint8Array; spower: bigint } | undefined {
  const stored = FilesV2.get(ctx.state, cid)
  if (stored === undefined) return undefined
  const index = stored.replicas.findIndex(([, r]) => sameBytes(r.anchor, anchor))
  if (index < 0) return undefined
  const { owner, replica, spower } = removeReplicaAt(ctx, cid, stored, index)
  updateSpower(ctx.state, anchor, spower, 0n)
  return { owner, who: replica.who, spower }
}

/** The replica sWorker `anchor` holds of a file, with its owner (the replicas' key). */
export function replicaOfAnchor(file: FileInfo, anchor: Uint8Array): [owner: Uint8Array, replica: Replica] | undefined {
  return file.replicas.find(([, r]) => sameBytes(r.anchor, anchor))
}

/** Whether a file (order) exists. */
export function fileExists(state: StorageReader, cid: Uint8Array): boolean {
  return FilesV2.contains(state, cid)
}
