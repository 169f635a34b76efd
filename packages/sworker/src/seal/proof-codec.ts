/**
 * Encodings of what the sealer keeps for storage proofs: a file's content tree (the upper levels of
 * its `storageProof` tree) and the index from content offsets to its blocks.
 */
import { storageProof } from '@crust-ts/protocol'

const HEAD = 1 + 8 + storageProof.HASH_LENGTH
const encoder = new TextEncoder()

/** Key of the block starting at content offset `offset` of file `cid`: cid ‖ 0x00 ‖ offset (u64 BE), so offsets sort in order. */
export function contentOffsetKey(cid: string, offset: number): Uint8Array {
  const prefix = encoder.encode(cid)
  const key = new Uint8Array(prefix.length + 9)
  key.set(prefix)
  new DataView(key.buffer).setBigUint64(prefix.length + 1, BigInt(offset))
  return key
}

/** The lowest key of file `cid`'s content offsets (exclusive bound of a reverse range). */
export function contentOffsetFloor(cid: string): Uint8Array {
  const prefix = encoder.encode(cid)
  const key = new Uint8Array(prefix.length + 1)
  key.set(prefix)
  return key
}

/** Reads the content offset back from a key made by {@link contentOffsetKey}. */
export function contentOffsetOf(key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(key.length - 8))
}

export function encodeBlockNumber(index: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, index)
  return out
}

export function decodeBlockNumber(value: Uint8Array): number | undefined {
  return value.length === 4 ? new DataView(value.buffer, value.byteOffset, 4).getUint32(0) : undefined
}

/** height (u8) ‖ size (u64 BE) ‖ root ‖ every level's hashes, lowest first. */
export function encodeContentTree(tree: storageProof.ContentTree): Uint8Array {
  const levelBytes = tree.levels.reduce((n, l) => n + l.length, 0)
  const out = new Uint8Array(HEAD + levelBytes)
  out[0] = tree.height
  new DataView(out.buffer).setBigUint64(1, BigInt(tree.size))
  out.set(tree.root, 9)
  let at = HEAD
  for (const level of tree.levels) {
    out.set(level, at)
    at += level.length
  }
  return out
}

/** The widths of a tree's levels from `height` up, as {@link storageProof.ContentTreeBuilder} keeps them. */
function keptWidths(size: number, height: number): number[] {
  const widths = [Math.ceil(storageProof.segmentCount(size) / 2 ** height)]
  while (widths[widths.length - 1]! > 1) widths.push(Math.ceil(widths[widths.length - 1]! / 2))
  return widths
}

/** Decodes {@link encodeContentTree}; undefined if the value is malformed (its length does not fit its size and height). */
export function decodeContentTree(value: Uint8Array): storageProof.ContentTree | undefined {
  if (value.length < HEAD) return undefined
  const height = value[0]!
  const size = Number(new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(1))
  if (!Number.isSafeInteger(size) || height > storageProof.MAX_PATH_LENGTH) return undefined
  const levels: Uint8Array[] = []
  let at = HEAD
  for (const width of keptWidths(size, height)) {
    const end = at + width * storageProof.HASH_LENGTH
    if (end > value.length) return undefined
    levels.push(new Uint8Array(value.subarray(at, end)))
    at = end
  }
  if (at !== value.length) return undefined
  return { height, size, root: new Uint8Array(value.subarray(9, HEAD)), levels }
}
