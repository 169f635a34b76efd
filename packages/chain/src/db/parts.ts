/**
 * Keys of a value stored in parts: LMDB keeps an entry of up to 2,034 bytes (key, value and its
 * 8-byte head, with 4 KiB pages) on a leaf page; a larger value takes a run of contiguous overflow
 * pages, and LMDB finds such a run by scanning its whole free-page list (merging more of the
 * free-list tree into it, up to 60 records a try, when no run is long enough). On a database that
 * has churned for a while that list holds hundreds of thousands of pages, so each large write
 * costs a scan and the merges grow with the list. A value written as leaf-sized parts under
 * `key ++ part (u16 BE)` allocates one page at a time, which LMDB takes from the list's end.
 */

/** Bytes of an LMDB entry that stays on its leaf page (4 KiB pages: key + value + 8 ≤ 2,034). */
export const LMDB_LEAF_ENTRY_BYTES = 2_034

/** The key of part `part` of the value under `key`: `key ++ part (u16 BE)`. */
export function partKey(key: Uint8Array, part: number): Uint8Array {
  const out = new Uint8Array(key.length + 2)
  out.set(key)
  out[key.length] = part >>> 8
  out[key.length + 1] = part & 0xff
  return out
}

/** Just above every part key of `key` (a range's exclusive end). */
export function partsEnd(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 3).fill(0xff)
  out.set(key)
  return out
}
