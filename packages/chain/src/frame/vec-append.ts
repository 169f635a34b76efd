/**
 * Appending to a stored SCALE `Vec` without decoding it: the compact length prefix is rewritten and
 * the new item's bytes put after the others. A paged list (pages of a few hundred items) then
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
  const encoded = itemType.codec.enc(item)
  const stored = state.get(storageKey)
  const { size, value: length } = stored === undefined || stored.length === 0 ? { size: 0, value: 0 } : readCompactLength(stored)
  const prefix = encodeCompactLength(length + 1)
  const body = stored === undefined ? 0 : stored.length - size
  const out = new Uint8Array(prefix.length + body + encoded.length)
  out.set(prefix, 0)
  if (stored !== undefined && body > 0) out.set(stored.subarray(size), prefix.length)
  out.set(encoded, prefix.length + body)
  state.set(storageKey, out)
  return length + 1
}
