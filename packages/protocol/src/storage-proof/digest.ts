/**
 * The tree's SHA-256 digests as 32-character latin1 ('binary') strings, for the hot loops that hash one node
 * per KiB of content. node:crypto's `hash(…, 'buffer')` allocates a Buffer (a new ArrayBuffer) per
 * call, which on these machines costs as much as hashing the 1 KiB segment itself; a one-byte
 * string is a cheap heap object, and `Buffer#write(…, 'latin1')` puts it into the next node's input
 * byte for byte. Only what leaves the tree (roots, kept levels, subtrees) is turned back into bytes.
 */
import { hash } from 'node:crypto'
import { HASH_LENGTH, LEAF_TAG, NODE_TAG, SEGMENT_SIZE } from './constants.js'

/** SHA-256 of `data` as a latin1 digest string. */
export function digestOf(data: Uint8Array): string {
  return hash('sha256', data, 'binary')
}

/** The bytes of a digest string (a fresh 32-byte array). */
export function digestBytes(digest: string): Uint8Array {
  const out = new Uint8Array(HASH_LENGTH)
  Buffer.from(out.buffer).write(digest, 0, 'latin1')
  return out
}

/** The digest string of 32 bytes at `offset` of `bytes`. */
export function digestString(bytes: Uint8Array, offset = 0): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, HASH_LENGTH).toString('latin1')
}

/** Writes digest strings into `out` (concatenated, 32 bytes each). */
export function writeDigests(out: Uint8Array, digests: readonly string[]): Uint8Array {
  const view = Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  for (const [i, d] of digests.entries()) view.write(d, i * HASH_LENGTH, 'latin1')
  return out
}

/** Reusable inputs for leaves (0x00 ‖ segment) and inner nodes (0x01 ‖ left ‖ right). */
export class NodeHasher {
  /** LEAF_TAG ‖ a segment; callers may fill `leaf[1…]` themselves and call {@link leafFilled}. */
  readonly leaf = Buffer.allocUnsafe(1 + SEGMENT_SIZE)
  private readonly pair = Buffer.allocUnsafe(1 + 2 * HASH_LENGTH)

  constructor() {
    this.leaf[0] = LEAF_TAG
    this.pair[0] = NODE_TAG
  }

  /** The leaf of the `length` segment bytes already in `leaf[1…]`. */
  leafFilled(length: number): string {
    return digestOf(length === SEGMENT_SIZE ? this.leaf : this.leaf.subarray(0, 1 + length))
  }

  /** The leaf of `bytes[from, from + length)` (length ≤ SEGMENT_SIZE). */
  leafOf(bytes: Uint8Array, from: number, length: number): string {
    this.leaf.set(bytes.subarray(from, from + length), 1)
    return this.leafFilled(length)
  }

  /** The inner node over two digest strings. */
  node(left: string, right: string): string {
    this.pair.write(left, 1, 'latin1')
    this.pair.write(right, 1 + HASH_LENGTH, 'latin1')
    return digestOf(this.pair)
  }
}
