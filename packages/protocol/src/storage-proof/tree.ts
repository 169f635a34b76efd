/**
 * A Merkle commitment to a file's content: the content is cut into SEGMENT_SIZE-byte segments (the
 * last may be shorter), each segment is a leaf, and leaves are paired level by level into a binary
 * tree; a level of odd width carries its last node up unchanged. The root binds the content's size:
 *
 *   leaf  = SHA-256(0x00 ‖ segment)
 *   node  = SHA-256(0x01 ‖ left ‖ right)
 *   root  = SHA-256(0x02 ‖ u64 LE size ‖ top)     (top: the tree's single node at the last level)
 *
 * Empty content is one empty segment. What "content" is for an IPFS DAG is the package README's
 * business (its blocks concatenated in DAG order); this module only sees bytes.
 */
import { hash } from 'node:crypto'
import { HASH_LENGTH, LEAF_TAG, MAX_PATH_LENGTH, NODE_TAG, ROOT_TAG, SEGMENT_SIZE } from './constants.js'
import { digestBytes, digestString, NodeHasher, writeDigests } from './digest.js'

/** A content commitment: the root and the content size it binds. */
export interface ContentCommitment {
  /** 32 bytes. */
  root: Uint8Array
  /** Content bytes. */
  size: number
}

/** A segment with the sibling hashes from its leaf up to the top (promoted levels have none). */
export interface SegmentProof {
  segment: Uint8Array
  path: Uint8Array[]
}

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(hash('sha256', data, 'buffer'))

/** The number of segments (leaves) of `size` bytes of content: at least one. */
export function segmentCount(size: number): number {
  checkSize(size)
  return size === 0 ? 1 : Math.ceil(size / SEGMENT_SIZE)
}

/** The byte length of segment `index` of `size` bytes of content. */
export function segmentLength(size: number, index: number): number {
  const count = segmentCount(size)
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`segment ${index} is not in [0, ${count})`)
  return index < count - 1 ? SEGMENT_SIZE : size - (count - 1) * SEGMENT_SIZE
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('a content size is a non-negative safe integer')
}

/** A leaf: SHA-256(0x00 ‖ segment). */
export function hashLeaf(segment: Uint8Array): Uint8Array {
  const buf = new Uint8Array(segment.length + 1)
  buf[0] = LEAF_TAG
  buf.set(segment, 1)
  return sha256(buf)
}

/** An inner node: SHA-256(0x01 ‖ left ‖ right). */
export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LENGTH)
  buf[0] = NODE_TAG
  buf.set(left, 1)
  buf.set(right, 1 + HASH_LENGTH)
  return sha256(buf)
}

/** The root: SHA-256(0x02 ‖ u64 LE size ‖ top). */
export function rootOf(size: number, top: Uint8Array): Uint8Array {
  checkSize(size)
  const buf = new Uint8Array(1 + 8 + HASH_LENGTH)
  buf[0] = ROOT_TAG
  new DataView(buf.buffer).setBigUint64(1, BigInt(size), true)
  buf.set(top, 9)
  return sha256(buf)
}

/** Widths of the tree's levels from the leaves (`leaves` nodes) up to the top (1 node). */
function levelWidths(leaves: number): number[] {
  const widths = [leaves]
  while (widths[widths.length - 1]! > 1) widths.push(Math.ceil(widths[widths.length - 1]! / 2))
  return widths
}

/** How many hashes the path of segment `index` has (levels where the node has a sibling). */
export function pathLength(size: number, index: number): number {
  let length = 0
  let i = index
  for (const width of levelWidths(segmentCount(size)).slice(0, -1)) {
    if (!(i % 2 === 0 && i === width - 1)) length++
    i = Math.floor(i / 2)
  }
  return length
}

/** The next level up of a level held as concatenated hashes. */
function parentLevel(level: Uint8Array): Uint8Array {
  const width = level.length / HASH_LENGTH
  const up = Math.ceil(width / 2)
  const hasher = new NodeHasher()
  const nodes: string[] = []
  for (let i = 0; i + 1 < width; i += 2) nodes.push(hasher.node(digestString(level, i * HASH_LENGTH), digestString(level, (i + 1) * HASH_LENGTH)))
  const out = writeDigests(new Uint8Array(up * HASH_LENGTH), nodes)
  if (width % 2 === 1) out.set(level.subarray((width - 1) * HASH_LENGTH), (up - 1) * HASH_LENGTH)
  return out
}

/** Every level from `level` (concatenated hashes) up to the top. */
function levelsFrom(level: Uint8Array): Uint8Array[] {
  const levels = [level]
  while (levels[levels.length - 1]!.length > HASH_LENGTH) levels.push(parentLevel(levels[levels.length - 1]!))
  return levels
}

const nodeAt = (level: Uint8Array, i: number) => level.slice(i * HASH_LENGTH, (i + 1) * HASH_LENGTH)

/**
 * A content tree with the levels from height `height` up (height 0: every leaf kept; height h: one
 * node per 2^h segments, so 32 bytes per 2^h KiB). A proof of a segment needs the content of its
 * chunk (the 2^h segments under its node at height h), from which the lower levels are rebuilt.
 */
export interface ContentTree extends ContentCommitment {
  /** The height of `levels[0]`. */
  height: number
  /** Concatenated 32-byte hashes, level by level from `height` to the top (one node). */
  levels: Uint8Array[]
}

/**
 * Builds a content commitment from content fed in pieces of any size (IPFS blocks, file reads),
 * holding O(log n) hashes, and optionally the tree's levels from a given height (for proofs).
 */
export class ContentTreeBuilder {
  /** Its `leaf` holds the segment being filled. */
  private readonly hasher = new NodeHasher()
  private pendingLength = 0
  private size = 0
  /** Complete subtrees not yet joined, lowest last: their heights strictly decrease (digests as latin1 strings). */
  private readonly peaks: Array<{ height: number; hash: string }> = []
  private readonly kept: Uint8Array[] = []

  /** @param keepHeight - keep the tree's nodes from this height up (undefined: keep nothing, root only). */
  constructor(private readonly keepHeight?: number) {
    if (keepHeight !== undefined && (!Number.isInteger(keepHeight) || keepHeight < 0 || keepHeight > MAX_PATH_LENGTH)) {
      throw new RangeError('keepHeight is an integer in [0, 53]')
    }
  }

  /** Adds the next bytes of the content. */
  update(bytes: Uint8Array): this {
    let at = 0
    while (at < bytes.length) {
      const take = Math.min(SEGMENT_SIZE - this.pendingLength, bytes.length - at)
      this.hasher.leaf.set(bytes.subarray(at, at + take), 1 + this.pendingLength)
      this.pendingLength += take
      at += take
      if (this.pendingLength === SEGMENT_SIZE) this.flushSegment()
    }
    this.size += bytes.length
    if (!Number.isSafeInteger(this.size)) throw new RangeError('content larger than 2^53 bytes')
    return this
  }

  private flushSegment(): void {
    this.pushNode(0, this.hasher.leafFilled(this.pendingLength))
    this.pendingLength = 0
  }

  /** Adds a complete subtree of `height` whose first segment is the next one; merges equal peaks. */
  private pushNode(height: number, subtree: string): void {
    let node = { height, hash: subtree }
    if (this.keepHeight === height) this.kept.push(digestBytes(subtree))
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1]!.height === node.height) {
      const left = this.peaks.pop()!
      node = { height: node.height + 1, hash: this.hasher.node(left.hash, node.hash) }
      if (node.height === this.keepHeight) this.kept.push(digestBytes(node.hash))
    }
    this.peaks.push(node)
  }

  /**
   * Adds complete subtrees computed elsewhere ({@link hashSubtrees}, e.g. on a worker thread), as
   * if their segments had been given to {@link update}. The content so far must end on a segment
   * boundary, each subtree must start at a multiple of its width (2^height segments) and, when the
   * builder keeps levels, be no higher than the kept height. Throws RangeError otherwise.
   */
  pushSubtrees(subtrees: ContentSubtrees): this {
    const { heights, hashes } = subtrees
    if (hashes.length !== heights.length * HASH_LENGTH) throw new RangeError('pushSubtrees: one 32-byte hash per height')
    if (heights.length > 0 && this.pendingLength !== 0) throw new RangeError('pushSubtrees: the content so far does not end on a segment boundary')
    for (let i = 0; i < heights.length; i++) {
      const height = heights[i]!
      const width = 2 ** height
      if (this.keepHeight !== undefined && height > this.keepHeight) throw new RangeError('pushSubtrees: a subtree above the kept height')
      if ((this.size / SEGMENT_SIZE) % width !== 0) throw new RangeError('pushSubtrees: a subtree not aligned to its width')
      this.pushNode(height, digestString(hashes, i * HASH_LENGTH))
      this.size += width * SEGMENT_SIZE
      if (!Number.isSafeInteger(this.size)) throw new RangeError('content larger than 2^53 bytes')
    }
    return this
  }

  /** Folds peaks from the right: the root of the leaves under them (the tree carries odd nodes up). */
  private fold(peaks: Array<{ hash: string }>): Uint8Array {
    let acc = peaks[peaks.length - 1]!.hash
    for (let i = peaks.length - 2; i >= 0; i--) acc = this.hasher.node(peaks[i]!.hash, acc)
    return digestBytes(acc)
  }

  /** The commitment (and, with `keepHeight`, the kept levels); the builder is spent. */
  finish(): ContentTree {
    if (this.pendingLength > 0 || this.size === 0) this.flushSegment()
    const top = this.fold(this.peaks)
    const height = this.keepHeight ?? 0
    let levels: Uint8Array[] = []
    if (this.keepHeight !== undefined) {
      // The last chunk may be partial: its node at `height` is the fold of the peaks below that height.
      const below = this.peaks.filter((p) => p.height < height)
      const nodes = below.length > 0 && height > 0 ? [...this.kept, this.fold(below)] : this.kept
      const level = new Uint8Array(nodes.length * HASH_LENGTH)
      for (const [i, n] of nodes.entries()) level.set(n, i * HASH_LENGTH)
      levels = levelsFrom(level)
    }
    return { root: rootOf(this.size, top), size: this.size, height, levels }
  }
}

/** The commitment to `content`. */
export function contentCommitment(content: Uint8Array): ContentCommitment {
  const { root, size } = new ContentTreeBuilder().update(content).finish()
  return { root, size }
}

/** The whole tree of `content` (every leaf kept; for small contents and tests). */
export function contentTree(content: Uint8Array, keepHeight = 0): ContentTree {
  return new ContentTreeBuilder(keepHeight).update(content).finish()
}

/** Complete subtrees of a content tree, in content order: `heights[i]` and its 32-byte hash at `hashes[i * 32]`. */
export interface ContentSubtrees {
  heights: Uint8Array
  hashes: Uint8Array
}

/**
 * The content tree's complete subtrees over the whole segments of `bytes` from byte `start` on, when
 * segment `firstSegment` of the content begins there: each as high as its position and `maxHeight`
 * allow (the largest aligned power-of-two runs, left to right). A tail shorter than a segment is
 * left out (its bytes go to {@link ContentTreeBuilder.update}). Lets the hashing of a block's
 * segments run where the block already is (a seal worker thread) and the builder take only the
 * subtrees: {@link ContentTreeBuilder.pushSubtrees}.
 */
export function hashSubtrees(bytes: Uint8Array, start: number, firstSegment: number, maxHeight: number): ContentSubtrees {
  if (!Number.isSafeInteger(firstSegment) || firstSegment < 0) throw new RangeError('firstSegment is a non-negative safe integer')
  if (!Number.isInteger(maxHeight) || maxHeight < 0 || maxHeight > MAX_PATH_LENGTH) throw new RangeError('maxHeight is an integer in [0, 53]')
  if (!Number.isInteger(start) || start < 0) throw new RangeError('start is a non-negative integer')
  const segments = Math.max(0, Math.floor((bytes.length - start) / SEGMENT_SIZE))
  const heights: number[] = []
  const nodes: string[] = []
  const hasher = new NodeHasher()
  // The open subtrees of the current run, lowest last, as in the builder.
  const stack: Array<{ height: number; hash: string }> = []
  let done = 0
  while (done < segments) {
    const at = firstSegment + done
    // The highest subtree that starts here, fits in what is left and stays within maxHeight.
    let height = 0
    while (height < maxHeight && at % 2 ** (height + 1) === 0 && done + 2 ** (height + 1) <= segments) height++
    for (let i = 0; i < 2 ** height; i++, done++) {
      let node = { height: 0, hash: hasher.leafOf(bytes, start + done * SEGMENT_SIZE, SEGMENT_SIZE) }
      while (stack.length > 0 && stack[stack.length - 1]!.height === node.height) {
        node = { height: node.height + 1, hash: hasher.node(stack.pop()!.hash, node.hash) }
      }
      stack.push(node)
    }
    const top = stack.pop()!
    heights.push(top.height)
    nodes.push(top.hash)
  }
  return { heights: Uint8Array.from(heights), hashes: writeDigests(new Uint8Array(nodes.length * HASH_LENGTH), nodes) }
}

/** The byte range [start, end) of the chunk (2^height segments) holding segment `index`. */
export function chunkRange(tree: Pick<ContentTree, 'size' | 'height'>, index: number): { start: number; end: number } {
  segmentLength(tree.size, index)
  const perChunk = 2 ** tree.height * SEGMENT_SIZE
  const start = Math.floor(index / 2 ** tree.height) * perChunk
  return { start, end: Math.min(start + perChunk, tree.size) }
}

/**
 * The proof of segment `index` from a tree and the content of the segment's chunk
 * ({@link chunkRange}; for a tree of height 0, the segment itself). Throws RangeError for an index
 * out of range or a chunk of the wrong length; a chunk with the wrong bytes gives a proof that
 * does not verify.
 */
export function proveSegment(tree: ContentTree, index: number, chunk: Uint8Array): SegmentProof {
  const { start, end } = chunkRange(tree, index)
  if (chunk.length !== end - start) throw new RangeError(`the chunk of segment ${index} is ${end - start} bytes, not ${chunk.length}`)
  const offset = index * SEGMENT_SIZE - start
  const segment = chunk.slice(offset, offset + segmentLength(tree.size, index))
  // The chunk's own levels, up to its node at `height` (a partial last chunk carries odd nodes up as the whole tree does).
  const leaves = Math.max(1, Math.ceil(chunk.length / SEGMENT_SIZE))
  const leafLevel = new Uint8Array(leaves * HASH_LENGTH)
  for (let i = 0; i < leaves; i++) leafLevel.set(hashLeaf(chunk.subarray(i * SEGMENT_SIZE, (i + 1) * SEGMENT_SIZE)), i * HASH_LENGTH)
  const path: Uint8Array[] = []
  const climb = (levels: Uint8Array[], from: number) => {
    let i = from
    for (const level of levels.slice(0, -1)) {
      const width = level.length / HASH_LENGTH
      if (!(i % 2 === 0 && i === width - 1)) path.push(nodeAt(level, i ^ 1))
      i = Math.floor(i / 2)
    }
  }
  const local = levelsFrom(leafLevel)
  // A full chunk's tree is exactly `height` levels high; a partial one may be lower (its top is promoted).
  climb(local, index % 2 ** tree.height)
  climb(tree.levels, Math.floor(index / 2 ** tree.height))
  return { segment, path }
}

/**
 * Whether `proof` shows that segment `index` of the content committed to by (`root`, `size`) is
 * `proof.segment`. Malformed input (bad lengths, an index out of range, a path of the wrong
 * length) verifies as false; it never throws.
 */
export function verifySegmentProof(commitment: ContentCommitment, index: number, proof: SegmentProof): boolean {
  const { root, size } = commitment
  if (!Number.isSafeInteger(size) || size < 0 || root.length !== HASH_LENGTH) return false
  const count = size === 0 ? 1 : Math.ceil(size / SEGMENT_SIZE)
  if (!Number.isInteger(index) || index < 0 || index >= count) return false
  if (proof.path.length > MAX_PATH_LENGTH || proof.path.length !== pathLength(size, index)) return false
  if (proof.segment.length !== segmentLength(size, index)) return false
  let node = hashLeaf(proof.segment)
  let i = index
  let next = 0
  for (const width of levelWidths(count).slice(0, -1)) {
    if (!(i % 2 === 0 && i === width - 1)) {
      const sibling = proof.path[next++]!
      if (sibling.length !== HASH_LENGTH) return false
      node = i % 2 === 0 ? hashNode(node, sibling) : hashNode(sibling, node)
    }
    i = Math.floor(i / 2)
  }
  const expected = rootOf(size, node)
  let diff = 0
  for (let b = 0; b < HASH_LENGTH; b++) diff |= expected[b]! ^ root[b]!
  return diff === 0
}

/** The largest encoded proof for `size` bytes of content: segment + path (SCALE length prefixes excluded). */
export function maxProofBytes(size: number): number {
  // Segment 0 is never carried up below the top, so its path is the longest.
  return Math.min(SEGMENT_SIZE, size) + HASH_LENGTH * pathLength(size, 0)
}
