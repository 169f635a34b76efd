/**
 * File roots (Market.FileRoots): fixed by the order that creates the file, or when two replica
 * holders submit the same one; a holder whose root differs from the fixed one loses its replica.
 */
import { moduleError, type DispatchContext, type ErrorDef, type PostDispatchInfo } from '../../frame/pallet.js'
import { MAXIMUM_FILE_SIZE } from '../market/constants.js'
import { marketErrors, marketEvents } from '../market/errors.js'
import { type ContentRoot, FileRootCandidates, FileRoots, sameRoot } from '../market/file-roots.js'
import { replicaOfAnchor } from '../market/replicas.js'
import { FilesV2 } from '../market/storage.js'
import type { FileInfo } from '../market/storage.js'
import { Identities } from '../swork/storage.js'
import { sameBytes } from '../swork/types.js'
import { DB_READ, DB_WRITE } from './constants.js'
import { challengesErrors, challengesEvents } from './errors.js'
import { failReplica, type FaultContext } from './faults.js'

/** `submit_file_root` without removals. */
export const SUBMIT_ROOT_WEIGHT = 100_000_000n + 6n * DB_READ + 2n * DB_WRITE
/** Weight of one replica removed for a wrong root (the file, its sWorker's report, the indexes, the fault records). */
export const WRONG_ROOT_WEIGHT = 50_000_000n + 8n * DB_READ + 8n * DB_WRITE

/** A root must name a non-empty content the market could have ordered. */
export function checkRootShape(root: ContentRoot, error: ErrorDef): void {
  if (root.size === 0n || root.size >= MAXIMUM_FILE_SIZE) throw moduleError(error)
}

/** Whether `who` holds a replica of `file` (as its reporter). */
const holds = (file: FileInfo, who: Uint8Array) => file.replicas.some(([, r]) => sameBytes(r.who, who))

/**
 * Fixes the root of file `cid`: every candidate holder whose root differs loses its replica (a
 * `WrongRoot` fault). Returns how many replicas were removed.
 */
export function fixFileRoot(ctx: FaultContext, cid: Uint8Array, root: ContentRoot): number {
  FileRoots.insert(ctx.state, cid, root)
  let removed = 0
  for (const [who, candidate] of FileRootCandidates.get(ctx.state, cid)) {
    if (sameRoot(candidate, root)) continue
    const replica = FilesV2.get(ctx.state, cid)?.replicas.find(([, r]) => sameBytes(r.who, who))
    if (replica === undefined) continue
    failReplica(ctx, who, replica[1].anchor, cid, 'WrongRoot')
    removed++
  }
  FileRootCandidates.remove(ctx.state, cid)
  ctx.deposit(marketEvents.FileRootFixed, { cid, root })
  return removed
}

/**
 * The root half of `place_storage_order_with_root`, after the order is placed: a file's fixed root
 * must match; a file without one takes the client's root only while nobody holds a replica of it
 * (a root given later could take replicas from their holders).
 */
export function setClientRoot(ctx: FaultContext, cid: Uint8Array, root: ContentRoot): void {
  const fixed = FileRoots.get(ctx.state, cid)
  if (fixed !== undefined) {
    if (!sameRoot(fixed, root)) throw moduleError(marketErrors.FileRootMismatch)
    return
  }
  const file = FilesV2.get(ctx.state, cid)
  if (file === undefined) throw moduleError(marketErrors.FileNotExist)
  checkRootShape(root, marketErrors.IllegalFileRoot)
  if (root.size > file.file_size) throw moduleError(marketErrors.IllegalFileRoot)
  if (file.replicas.length > 0 || FileRootCandidates.get(ctx.state, cid).length > 0) throw moduleError(marketErrors.FileRootLocked)
  fixFileRoot(ctx, cid, root)
}

/**
 * `submit_file_root(cid, root)`: a replica holder's root. Against a fixed root it matches (nothing
 * happens) or its replica is removed; otherwise it waits as a candidate until another holder
 * submits the same root, which fixes it.
 */
export function submitFileRoot(ctx: DispatchContext, who: Uint8Array, cid: Uint8Array, root: ContentRoot): PostDispatchInfo {
  const file = FilesV2.get(ctx.state, cid)
  if (file === undefined) throw moduleError(challengesErrors.FileNotExist)
  const anchor = Identities.get(ctx.state, who)?.anchor
  const replica = anchor === undefined ? undefined : replicaOfAnchor(file, anchor)
  if (anchor === undefined || replica === undefined || !sameBytes(replica[1].who, who)) throw moduleError(challengesErrors.NotReplicaHolder)
  checkRootShape(root, challengesErrors.IllegalFileRoot)
  const fixed = FileRoots.get(ctx.state, cid)
  if (fixed !== undefined) {
    if (sameRoot(fixed, root)) {
      ctx.deposit(challengesEvents.FileRootSubmitted, { who, cid })
      return { actualWeight: SUBMIT_ROOT_WEIGHT }
    }
    failReplica(ctx, who, anchor, cid, 'WrongRoot')
    return { actualWeight: SUBMIT_ROOT_WEIGHT + WRONG_ROOT_WEIGHT }
  }
  const candidates = FileRootCandidates.get(ctx.state, cid)
  if (candidates.some(([c]) => sameBytes(c, who))) throw moduleError(challengesErrors.RootAlreadySubmitted)
  ctx.deposit(challengesEvents.FileRootSubmitted, { who, cid })
  if (candidates.some(([c, r]) => sameRoot(r, root) && holds(file, c))) {
    const removed = fixFileRoot(ctx, cid, root)
    return { actualWeight: SUBMIT_ROOT_WEIGHT + BigInt(removed) * WRONG_ROOT_WEIGHT }
  }
  FileRootCandidates.insert(ctx.state, cid, [...candidates, [who, root]])
  return { actualWeight: SUBMIT_ROOT_WEIGHT }
}
