/**
 * Appending to a stored SCALE `Vec` without decoding it: the compact length prefix is rewritten and
 * the new items' bytes put after the others. A paged list (pages of a few hundred items) then
 * costs one copy of a page per append, not a decode of every item and an encode of them all.
 */
import { encodeCompactLength, readCompactLength } from '../primitives/codec/compact-length.js'
import type { ScaleType } from '../primitives/codec/scale-type.js'
import type { StorageAccess } from './storage.js'

/**
 * Appends `item` to the `Vec` stored at `storageKey` (an empty one when nothing is stored), as
 * decoding, pushing and encoding would. Returns the new length.
 */
export function appendToVec<T>(state: StorageAccess, storageKey: Uint8Array, itemType: ScaleType<T>, item: T): number {
  return appendAllToVec(state, storageKey, itemType, [item])
}

/**
 * Appends `items`, in order, to the `Vec` stored at `storageKey` with one read and one write: the
 * same bytes as appending them one by one, for the price of one page copy instead of one per item.
 * Returns the new length.
 */
export function appendAllToVec<T>(state: StorageAccess, storageKey: Uint8Array, itemType: ScaleType<T>, items: readonly T[]): number {
  const encoded = items.map((item) => itemType.codec.enc(item))
  const stored = state.get(storageKey)
  const { size, value: length } = stored === undefined || stored.length === 0 ? { size: 0, value: 0 } : readCompactLength(stored)
  const prefix = encodeCompactLength(length + items.length)
  const body = stored === undefined ? 0 : stored.length - size
  const out = new Uint8Array(prefix.length + body + encoded.reduce((total, e) => total + e.length, 0))
  out.set(prefix, 0)
  if (stored !== undefined && body > 0) out.set(stored.subarray(size), prefix.length)
  let at = prefix.length + body
  for (const e of encoded) {
    out.set(e, at)
    at += e.length
  }
  state.set(storageKey, out)
  return length + items.length
}

/**
 * Appends `items` to a list stored as `Vec` pages of `pageSize` items (page `p` at `pageKey(p)`)
 * that holds `count` items: each page touched is read and written once. The caller stores the new
 * count.
 */
export function appendToPages<T>(
  state: StorageAccess,
  pageKey: (page: number) => Uint8Array,
  pageSize: number,
  count: number,
  itemType: ScaleType<T>,
  items: readonly T[],
): void {
  let done = 0
  while (done < items.length) {
    const position = count + done
    const room = pageSize - (position % pageSize)
    const run = items.slice(done, done + room)
    appendAllToVec(state, pageKey(Math.floor(position / pageSize)), itemType, run)
    done += run.length
  }
}
