/**
 * Trie node encoding (our own; not Substrate's):
 *
 * ```
 * header   1 byte: bit0 = has value, bit1 = has children, bits 2..7 = min(partial nibbles, 63)
 * [len]    if bits 2..7 == 63: LEB128 of (partial nibbles - 63)
 * partial  ceil(n / 2) bytes, high nibble first; an odd count pads the last low nibble with 0
 * [mask]   if has children: u16 little endian, bit i = child i present (never 0)
 * [hashes] one 32-byte blake2b-256 hash per present child, ascending index
 * [value]  if has value: every remaining byte (possibly none)
 * ```
 *
 * The empty node is the single byte `0x00`. A node without value has at least two children, so
 * every key/value set has exactly one trie and one encoding per node.
 */
import { HASH_LENGTH } from './hasher.js'
import { popcount16 } from './nibbles.js'

const FLAG_VALUE = 1
const FLAG_CHILDREN = 2
const INLINE_PARTIAL_MAX = 63
const NO_HASH = new Uint8Array(0)

/**
 * A trie node decoded from its encoding: offsets into `encoded`, which it keeps (the partial key
 * stays packed, so a cached node costs one small object besides its bytes).
 */
export interface DecodedNode {
  readonly encoded: Uint8Array
  /** Byte offset of the packed partial key. */
  readonly partialOffset: number
  /** Partial key length in nibbles. */
  readonly partialLength: number
  /** Bit i set = child i present. */
  readonly mask: number
  /** Byte offset of the first child hash. */
  readonly childOffset: number
  /** Byte offset of the value (which runs to the end), or -1 if the node has no value. */
  readonly valueOffset: number
  /** The hash the node was loaded or stored under (empty when not known). */
  readonly hash: Uint8Array
}

/** Thrown by {@link decodeNode} with the reason the bytes are not a node. */
export class NodeDecodeError extends Error {}

/** Hash of child `index`, or undefined. */
export function childHash(node: DecodedNode, index: number): Uint8Array | undefined {
  const bit = 1 << index
  if ((node.mask & bit) === 0) return undefined
  const at = node.childOffset + HASH_LENGTH * popcount16(node.mask & (bit - 1))
  return node.encoded.subarray(at, at + HASH_LENGTH)
}

/** The node's value (a view of its encoding), or undefined. */
export function nodeValue(node: DecodedNode): Uint8Array | undefined {
  return node.valueOffset < 0 ? undefined : node.encoded.subarray(node.valueOffset)
}

/** Nibble `i` of the node's partial key. */
export function partialNibble(node: DecodedNode, i: number): number {
  const b = node.encoded[node.partialOffset + (i >> 1)]!
  return (i & 1) === 0 ? b >> 4 : b & 0x0f
}

/** The node's partial key unpacked, one nibble per byte. */
export function partialNibbles(node: DecodedNode): Uint8Array {
  const out = new Uint8Array(node.partialLength)
  for (let i = 0; i < out.length; i++) out[i] = partialNibble(node, i)
  return out
}

/**
 * Whether the node's partial key equals nibbles `depth..depth + partialLength` of `key`
 * (which must have that many nibbles left). Compares whole bytes where it can.
 */
export function partialMatches(node: DecodedNode, key: Uint8Array, depth: number): boolean {
  const enc = node.encoded
  const po = node.partialOffset
  const pl = node.partialLength
  const full = pl >> 1
  const kb = depth >> 1
  if ((depth & 1) === 0) {
    for (let j = 0; j < full; j++) if (enc[po + j] !== key[kb + j]) return false
    return (pl & 1) === 0 || enc[po + full]! >> 4 === key[kb + full]! >> 4
  }
  for (let j = 0; j < full; j++) {
    if (enc[po + j] !== (((key[kb + j]! & 0x0f) << 4) | (key[kb + j + 1]! >> 4))) return false
  }
  return (pl & 1) === 0 || enc[po + full]! >> 4 === (key[kb + full]! & 0x0f)
}

/** Encodes a node; `children` has 16 slots, each a 32-byte hash or undefined. */
export function encodeNode(partial: Uint8Array, value: Uint8Array | undefined, children: ArrayLike<Uint8Array | undefined> | undefined): Uint8Array {
  let mask = 0
  let childCount = 0
  if (children !== undefined) {
    for (let i = 0; i < 16; i++) {
      if (children[i] !== undefined) {
        mask |= 1 << i
        childCount++
      }
    }
  }
  const plen = partial.length
  let extra = 0
  if (plen >= INLINE_PARTIAL_MAX) {
    let rest = plen - INLINE_PARTIAL_MAX
    do {
      extra++
      rest = Math.floor(rest / 128)
    } while (rest > 0)
  }
  const packed = (plen + 1) >> 1
  const size = 1 + extra + packed + (mask === 0 ? 0 : 2 + HASH_LENGTH * childCount) + (value?.length ?? 0)
  const out = new Uint8Array(size)
  out[0] = (value === undefined ? 0 : FLAG_VALUE) | (mask === 0 ? 0 : FLAG_CHILDREN) | (Math.min(plen, INLINE_PARTIAL_MAX) << 2)
  let o = 1
  if (plen >= INLINE_PARTIAL_MAX) {
    let rest = plen - INLINE_PARTIAL_MAX
    while (rest >= 128) {
      out[o++] = (rest & 0x7f) | 0x80
      rest = Math.floor(rest / 128)
    }
    out[o++] = rest
  }
  for (let i = 0; i + 1 < plen; i += 2) out[o++] = (partial[i]! << 4) | partial[i + 1]!
  if ((plen & 1) === 1) out[o++] = partial[plen - 1]! << 4
  if (mask !== 0) {
    out[o++] = mask & 0xff
    out[o++] = mask >> 8
    for (let i = 0; i < 16; i++) {
      const h = children![i]
      if (h !== undefined) {
        out.set(h, o)
        o += HASH_LENGTH
      }
    }
  }
  if (value !== undefined) out.set(value, o)
  return out
}

/** Decodes a node encoding (stored under `hash`, if known); throws {@link NodeDecodeError} if it is not canonical. */
export function decodeNode(encoded: Uint8Array, hash: Uint8Array = NO_HASH): DecodedNode {
  const n = encoded.length
  if (n === 0) throw new NodeDecodeError('empty encoding')
  const header = encoded[0]!
  const hasValue = (header & FLAG_VALUE) !== 0
  const hasChildren = (header & FLAG_CHILDREN) !== 0
  let plen = header >> 2
  let o = 1
  if (plen === INLINE_PARTIAL_MAX) {
    let shift = 1
    let rest = 0
    for (;;) {
      if (o >= n || shift > 2 ** 28) throw new NodeDecodeError('bad partial key length')
      const b = encoded[o++]!
      rest += (b & 0x7f) * shift
      if ((b & 0x80) === 0) {
        if (b === 0 && shift > 1) throw new NodeDecodeError('non-minimal partial key length')
        break
      }
      shift *= 128
    }
    plen += rest
  }
  const packed = (plen + 1) >> 1
  if (o + packed > n) throw new NodeDecodeError('truncated partial key')
  const partialOffset = o
  if ((plen & 1) === 1 && (encoded[o + packed - 1]! & 0x0f) !== 0) throw new NodeDecodeError('bad partial key padding')
  o += packed
  let mask = 0
  const childOffset = o + 2
  if (hasChildren) {
    if (o + 2 > n) throw new NodeDecodeError('truncated child mask')
    mask = encoded[o]! | (encoded[o + 1]! << 8)
    const count = popcount16(mask)
    if (count === 0) throw new NodeDecodeError('empty child mask')
    if (!hasValue && count < 2) throw new NodeDecodeError('branch without value has fewer than two children')
    o = childOffset + HASH_LENGTH * count
    if (o > n) throw new NodeDecodeError('truncated child hashes')
  } else if (!hasValue) {
    if (n !== 1 || plen !== 0) throw new NodeDecodeError('node without value nor children')
  }
  if (!hasValue && o !== n) throw new NodeDecodeError('trailing bytes')
  return {
    encoded,
    partialOffset,
    partialLength: plen,
    mask,
    childOffset,
    valueOffset: hasValue ? o : -1,
    hash,
  }
}
