/**
 * Which files each sWorker (anchor) holds a replica of: a paged list per anchor plus each file's
 * position in it, so add, remove (swap with the last) and a full walk never decode more than a
 * page. Replica counts do not follow reporter liveness (Crust HEAD changes them only when a
 * replica is added or deleted); this index is what removing a departed node's replicas walks.
 */
import { u32, vec } from '../../primitives/codec/scale-type.js'
import { doubleMapWithDefault, mapWithDefault, optionalDoubleMap } from '../../frame/storage.js'
import { appendToPages, appendToVec } from '../../frame/vec-append.js'
import { sworkerAnchor } from '../swork/types.js'
import { merkleRoot } from './types.js'
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import { forgetReplicaProofs } from '../challenges/storage.js'

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
export const ANCHOR_FILES_STORAGE = [AnchorFileCount, AnchorFilePages, AnchorFilePosition]

export function trackReplica(state: StorageAccess, anchor: Uint8Array, cid: Uint8Array): void {
  if (AnchorFilePosition.get(state, anchor, cid) !== undefined) return
  const position = AnchorFileCount.get(state, anchor)
  const page = Math.floor(position / PAGE)
  appendToVec(state, AnchorFilePages.key(anchor, page), merkleRoot, cid)
  AnchorFilePosition.insert(state, anchor, cid, position)
  AnchorFileCount.insert(state, anchor, position + 1)
}

/**
 * {@link trackReplica} for each of `cids` in order (a file already listed, or earlier in `cids`, is
 * skipped), with each touched page and the count written once: a work report adds up to 300 files
 * to its sWorker's list, and one append each copied a page of up to 256 files each time. The
 * stored bytes are the same as those of the single appends.
 */
export function trackReplicas(state: StorageAccess, anchor: Uint8Array, cids: readonly Uint8Array[]): void {
  const count = AnchorFileCount.get(state, anchor)
  const listed: Uint8Array[] = []
  for (const cid of cids) {
    const positionKey = AnchorFilePosition.key(anchor, cid)
    if (AnchorFilePosition.getRaw(state, positionKey) !== undefined) continue
    AnchorFilePosition.insertRaw(state, positionKey, count + listed.length)
    listed.push(cid)
  }
  if (listed.length === 0) return
  appendToPages(state, (page) => AnchorFilePages.key(anchor, page), PAGE, count, merkleRoot, listed)
  AnchorFileCount.insert(state, anchor, count + listed.length)
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
  forgetReplicaProofs(state, anchor, cid)
  if (last === 0) AnchorFileCount.remove(state, anchor)
  else AnchorFileCount.insert(state, anchor, last)
}

/** Every file `anchor` holds a replica of. */
export function* anchorFiles(state: StorageAccess, anchor: Uint8Array): Generator<Uint8Array> {
  const count = AnchorFileCount.get(state, anchor)
  for (let page = 0; page * PAGE < count; page++) yield* AnchorFilePages.get(state, anchor, page)
}

/** The file at `position` (0-based, below `AnchorFileCount`) of `anchor`'s list: random access for challenges. */
export function anchorFileAt(state: StorageReader, anchor: Uint8Array, position: number): Uint8Array | undefined {
  return AnchorFilePages.get(state, anchor, Math.floor(position / PAGE))[position % PAGE]
}
