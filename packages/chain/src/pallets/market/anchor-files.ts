/**
 * Which files each sWorker (anchor) holds a replica of, so that a node that stops reporting has
 * its replicas marked `is_reported: false` at the next workload aggregation, and marked reported
 * again at its next work report (Crust only refreshes the flag when a file is settled, which
 * leaves a dead node counted for a whole file period). A paged list per anchor plus each file's
 * position in it: add, remove (swap with the last) and a full walk never decode more than a page.
 */
import { bool, u32, vec } from '../../primitives/codec/scale-type.js'
import { doubleMapWithDefault, mapWithDefault, optionalDoubleMap } from '../../frame/storage.js'
import { sworkerAnchor } from '../swork/types.js'
import { FilesV2 } from './storage.js'
import { merkleRoot } from './types.js'
import type { StorageAccess } from '../../frame/storage.js'

const P = 'Market'
const PAGE = 256

export const AnchorFileCount = mapWithDefault({
  pallet: P,
  name: 'AnchorFileCount',
  hasher: 'Twox64Concat',
  key: sworkerAnchor,
  value: u32,
  default: 0,
  docs: ['Files an sWorker holds a replica of.'],
})
export const AnchorFilePages = doubleMapWithDefault({
  pallet: P,
  name: 'AnchorFilePages',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sworkerAnchor,
  key2: u32,
  value: vec(merkleRoot),
  default: [] as Uint8Array[],
  docs: ['The files of an sWorker, in pages of 256.'],
})
export const AnchorFilePosition = optionalDoubleMap({
  pallet: P,
  name: 'AnchorFilePosition',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: sworkerAnchor,
  key2: merkleRoot,
  value: u32,
  docs: ["A file's position in its sWorker's list."],
})
export const AnchorReported = mapWithDefault({
  pallet: P,
  name: 'AnchorReported',
  hasher: 'Twox64Concat',
  key: sworkerAnchor,
  value: bool,
  default: true,
  docs: ["Whether the sWorker's replicas are currently marked reported."],
})

export const ANCHOR_FILES_STORAGE = [AnchorFileCount, AnchorFilePages, AnchorFilePosition, AnchorReported]

export function trackReplica(state: StorageAccess, anchor: Uint8Array, cid: Uint8Array): void {
  if (AnchorFilePosition.get(state, anchor, cid) !== undefined) return
  const position = AnchorFileCount.get(state, anchor)
  const page = Math.floor(position / PAGE)
  AnchorFilePages.insert(state, anchor, page, [...AnchorFilePages.get(state, anchor, page), cid])
  AnchorFilePosition.insert(state, anchor, cid, position)
  AnchorFileCount.insert(state, anchor, position + 1)
}

export function untrackReplica(state: StorageAccess, anchor: Uint8Array, cid: Uint8Array): void {
  const position = AnchorFilePosition.get(state, anchor, cid)
  if (position === undefined) return
  const last = AnchorFileCount.get(state, anchor) - 1
  const lastPage = Math.floor(last / PAGE)
  const tail = [...AnchorFilePages.get(state, anchor, lastPage)]
  const moved = tail.pop()!
  if (position !== last) {
    // The last file takes the removed one's place.
    const page = Math.floor(position / PAGE)
    const entries = page === lastPage ? tail : [...AnchorFilePages.get(state, anchor, page)]
    entries[position % PAGE] = moved
    if (page !== lastPage) AnchorFilePages.insert(state, anchor, page, entries)
    AnchorFilePosition.insert(state, anchor, moved, position)
  }
  if (tail.length === 0) AnchorFilePages.remove(state, anchor, lastPage)
  else AnchorFilePages.insert(state, anchor, lastPage, tail)
  AnchorFilePosition.remove(state, anchor, cid)
  if (last === 0) AnchorFileCount.remove(state, anchor)
  else AnchorFileCount.insert(state, anchor, last)
}

/** Every file `anchor` holds a replica of. */
export function* anchorFiles(state: StorageAccess, anchor: Uint8Array): Generator<Uint8Array> {
  const count = AnchorFileCount.get(state, anchor)
  for (let page = 0; page * PAGE < count; page++) yield* AnchorFilePages.get(state, anchor, page)
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

/**
 * Marks every replica of `anchor` reported or not (only when that changes: a node's files are
 * walked once per outage and once per recovery). Returns the number of files touched.
 */
export function setAnchorReported(state: StorageAccess, anchor: Uint8Array, reported: boolean): number {
  if (AnchorReported.get(state, anchor) === reported) return 0
  if (reported) AnchorReported.remove(state, anchor)
  else AnchorReported.insert(state, anchor, false)
  let touched = 0
  for (const cid of anchorFiles(state, anchor)) {
    const file = FilesV2.get(state, cid)
    if (file === undefined) continue
    let changed = false
    const replicas = file.replicas.map(([owner, r]): (typeof file.replicas)[number] => {
      if (!sameBytes(r.anchor, anchor) || r.is_reported === reported) return [owner, r]
      changed = true
      return [owner, { ...r, is_reported: reported }]
    })
    if (!changed) continue
    FilesV2.insert(state, cid, { ...file, replicas, reported_replica_count: replicas.filter(([, r]) => r.is_reported).length })
    touched++
  }
  return touched
}
