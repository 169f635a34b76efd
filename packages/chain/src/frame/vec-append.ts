/**
 * Appending to a stored SCALE `Vec` without decoding it: the compact length prefix is rewritten and
 * the new item's bytes put after the others. A paged list (pages of a few hundred items) then
 * costs one copy of a page per append, not a decode of every item and an encode of them all.
 */
import type { ScaleType } from '../primitives/codec/scale-type.js'
import type { StorageAccess } from './storage.js'

/** Bytes of the compact length prefix starting `bytes`, and the length it encodes. */
function readCompactLength(bytes: Uint8Array): { size: number; length: number } {
  const b0 = bytes[0]!
  switch (b0 & 3) {
    case 0:
      return { size: 1, length: b0 >>> 2 }
    case 1:
      return { size: 2, length: (b0 | (bytes[1]! << 8)) >>> 2 }
    case 2:
      return { size: 4, length: (b0 | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 2 }
    default:
      throw new RangeError('a stored Vec of 2^30 items or more cannot be appended to')
  }
}

function compactLength(length: number): Uint8Array {
  if (length < 1 << 6) return Uint8Array.of(length << 2)
  if (length < 1 << 14) return Uint8Array.of(((length << 2) | 1) & 0xff, length >>> 6)
  if (length < 1 << 30) {
    const v = ((length << 2) | 2) >>> 0
    return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24)
  }
  throw new RangeError('a stored Vec of 2^30 items or more cannot be appended to')
}

/**
 * Appends `item` to the `Vec` stored at `storageKey` (an empty one when nothing is stored), as
 * decoding, pushing and encoding would. Returns the new length.
 */
export function appendToVec<T>(state: StorageAccess, storageKey: Uint8Array, itemType: ScaleType<T>, item: T): number {
  const encoded = itemType.codec.enc(item)
  const stored = state.get(storageKey)
  const { size, length } = stored === undefined || stored.length === 0 ? { size: 0, length: 0 } : readCompactLength(stored)
  const prefix = compactLength(length + 1)
  const body = stored === undefined ? 0 : stored.length - size
  const out = new Uint8Array(prefix.length + body + encoded.length)
  out.set(prefix, 0)
  if (stored !== undefined && body > 0) out.set(stored.subarray(size), prefix.length)
  out.set(encoded, prefix.length + body)
  state.set(storageKey, out)
  return length + 1
}
