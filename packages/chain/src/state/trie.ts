import { DEFAULT_TRIE_CACHE_SIZE, EMPTY_TRIE_ROOT } from './constants.js'
import { StateError, StateErrorCode } from './errors.js'
import { HASH_LENGTH } from './hasher.js'
import type { MerkleTrieInit, TrieChange, TrieCommitResult, TrieNodeReader } from './interface.js'
import { NodeCache } from './node-cache.js'
import { type DecodedNode, decodeNode, NodeDecodeError, partialMatches, partialNibble } from './node-codec.js'
import { bytesEqual, fromNibbles, nibbleAt, popcount16, toNibbles } from './nibbles.js'
import { type CommitNodeSource, commitChanges } from './trie-commit.js'

/** Position of a node during iteration relative to the `startAfter` bound. */
const Bound = {
  /** Path so far equals the bound's first nibbles: only part of the subtree is after it. */
  Tracking: 0,
  /** Path is greater than the bound: the whole subtree is included. */
  Above: 1,
  /** Path is smaller than the bound: the whole subtree is excluded. */
  Excluded: 2,
} as const
type Bound = (typeof Bound)[keyof typeof Bound]

interface Frame {
  node: DecodedNode
  /** Length of the path up to and including `node.partial`. */
  len: number
  /** Next child index to visit. */
  next: number
  tracking: boolean
}

function hex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * Radix-16 Patricia-Merkle trie over byte keys, stored content-addressed (blake2b-256 of each
 * node's encoding, see `node-codec.ts`). Roots are canonical: one key/value set has one root,
 * whatever the history. Nodes are immutable, so every past root stays readable.
 *
 * Reads are synchronous through a {@link TrieNodeReader} and a bounded cache of decoded nodes.
 * Values returned are fresh copies.
 */
export class MerkleTrie {
  private readonly reader: TrieNodeReader
  private readonly cache: NodeCache
  private readonly source: CommitNodeSource

  constructor(reader: TrieNodeReader, init?: MerkleTrieInit) {
    this.reader = reader
    this.cache = new NodeCache(init?.cacheSize ?? DEFAULT_TRIE_CACHE_SIZE)
    this.source = {
      loadRoot: (root) => this.loadRoot(root),
      child: (node, index) => this.child(node, index)!,
      created: (node) => this.cache.set(node),
    }
  }

  /** Number of decoded nodes currently cached. */
  get cachedNodes(): number {
    return this.cache.size
  }

  /** The value of `key` in the trie at `root`, or undefined. */
  get(root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    if (isEmptyRoot(root)) return undefined
    let node = this.loadRoot(root)
    const total = key.length * 2
    let depth = 0
    for (;;) {
      const pl = node.partialLength
      if (total - depth < pl || !partialMatches(node, key, depth)) return undefined
      depth += pl
      if (depth === total) return node.valueOffset < 0 ? undefined : node.encoded.slice(node.valueOffset)
      const next = this.child(node, nibbleAt(key, depth))
      if (next === undefined) return undefined
      node = next
      depth++
    }
  }

  /**
   * Applies `changes` (in order; `null` deletes) to the trie at `root`. Returns the new root and
   * only the nodes the new trie needs that the old one did not have (`hash -> encoding`), each
   * dirty node hashed once, children before parents. Nothing is written anywhere: persist `nodes`
   * (e.g. with `ChainDatabase.commitBlock`) before reading the new root through a cold cache.
   * Keys and values must not be modified while the call runs; returned encodings may share one
   * underlying buffer.
   */
  commit(root: Uint8Array, changes: Iterable<TrieChange>): TrieCommitResult {
    const result = commitChanges(this.source, root, changes)
    // The nodes the new trie replaced leave the cache: only a read of an older state (a fork, an
    // RPC query at an old block) wants them again, from the store. Kept, they filled an idle
    // node's cache with superseded nodes, ~25 KiB a block until its 50,000 entries were reached.
    // They belong to the state the commit started from, which the caller has stored (a block's
    // parent), so one the new trie still holds at another place is read from there.
    for (const hash of result.deleted) this.cache.delete(hash)
    return result
  }

  /** Keys under `prefix`, ascending bytewise, strictly greater than `startAfter` if given, at most `limit`. */
  keys(root: Uint8Array, prefix: Uint8Array, limit: number, startAfter?: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = []
    if (limit <= 0) return out
    for (const [key] of this.walk(root, prefix, startAfter)) {
      out.push(key)
      if (out.length >= limit) break
    }
    return out
  }

  /**
   * Ascending (bytewise) iteration of the key/value pairs under `prefix`, strictly after
   * `startAfter` if given, loading nodes lazily.
   */
  *entries(root: Uint8Array, prefix: Uint8Array, startAfter?: Uint8Array): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const [key, node] of this.walk(root, prefix, startAfter)) yield [key, node.encoded.slice(node.valueOffset)]
  }

  /**
   * Every node of the trie at `root` as `[hash, encoding]`, once per place that holds it (a node at
   * two places comes twice), parents before children. Reads the store directly, bypassing the
   * cache; for audits, tests and benchmarks (it visits the whole trie).
   */
  *nodes(root: Uint8Array): IterableIterator<[Uint8Array, Uint8Array]> {
    if (isEmptyRoot(root)) return
    const stack = [root]
    while (stack.length > 0) {
      const hash = stack.pop()!
      const encoded = this.reader.getNode(hash)
      if (encoded === undefined) throw new StateError({ code: StateErrorCode.MISSING_NODE, hash: hex(hash) }, 'trie node missing from store')
      yield [hash, encoded]
      const node = decodeNode(encoded, hash)
      for (let i = 15; i >= 0; i--) {
        const bit = 1 << i
        if ((node.mask & bit) === 0) continue
        const at = node.childOffset + HASH_LENGTH * popcount16(node.mask & (bit - 1))
        stack.push(encoded.slice(at, at + HASH_LENGTH))
      }
    }
  }

  /** Drops every cached node. */
  clearCache(): void {
    this.cache.clear()
  }

  // --- loading -------------------------------------------------------------------------------

  private loadRoot(root: Uint8Array): DecodedNode {
    if (root.length !== HASH_LENGTH) {
      throw new StateError({ code: StateErrorCode.INVALID_ARGUMENT, reason: `root must be ${HASH_LENGTH} bytes, got ${root.length}` }, 'invalid trie root')
    }
    return this.load(root, 0)
  }

  /** Loads the node whose hash is the 32 bytes of `bytes` at `offset`. */
  private load(bytes: Uint8Array, offset: number): DecodedNode {
    const hit = this.cache.get(bytes, offset)
    if (hit !== undefined) return hit
    const hash = bytes.slice(offset, offset + HASH_LENGTH)
    const encoded = this.reader.getNode(hash)
    if (encoded === undefined) {
      throw new StateError({ code: StateErrorCode.MISSING_NODE, hash: hex(hash) }, 'trie node missing from store')
    }
    let node: DecodedNode
    try {
      node = decodeNode(encoded, hash)
    } catch (err) {
      if (!(err instanceof NodeDecodeError)) throw err
      throw new StateError({ code: StateErrorCode.INVALID_NODE, hash: hex(hash), reason: err.message }, 'stored trie node does not decode', { cause: err })
    }
    this.cache.set(node)
    return node
  }

  private child(node: DecodedNode, index: number): DecodedNode | undefined {
    const bit = 1 << index
    if ((node.mask & bit) === 0) return undefined
    return this.load(node.encoded, node.childOffset + HASH_LENGTH * popcount16(node.mask & (bit - 1)))
  }

  // --- iteration -----------------------------------------------------------------------------

  /** Yields `[key, node]` for every node with a value under `prefix`, after `startAfter`, in key order. */
  private *walk(root: Uint8Array, prefix: Uint8Array, startAfter: Uint8Array | undefined): Generator<[Uint8Array, DecodedNode]> {
    if (isEmptyRoot(root)) return
    const pn = toNibbles(prefix)
    const bound = startAfter === undefined ? undefined : toNibbles(startAfter)
    const path: number[] = []
    let node = this.loadRoot(root)
    // Descend to the first node whose path covers the whole prefix.
    for (;;) {
      const start = path.length
      for (let i = 0; i < node.partialLength; i++) {
        const n = partialNibble(node, i)
        if (start + i < pn.length && n !== pn[start + i]) return
        path.push(n)
      }
      if (path.length >= pn.length) break
      const i = pn[path.length]!
      const next = this.child(node, i)
      if (next === undefined) return
      path.push(i)
      node = next
    }

    const compare = (from: number, to: number): Bound => {
      if (bound === undefined) return Bound.Above
      for (let i = from; i < to; i++) {
        if (i >= bound.length) return Bound.Above
        const a = path[i]!
        const b = bound[i]!
        if (a < b) return Bound.Excluded
        if (a > b) return Bound.Above
      }
      return Bound.Tracking
    }
    const first = compare(0, path.length)
    if (first === Bound.Excluded) return
    yield* this.visit(node, path, first === Bound.Tracking, bound, compare)
  }

  private *visit(
    top: DecodedNode,
    path: number[],
    topTracking: boolean,
    bound: Uint8Array | undefined,
    compare: (from: number, to: number) => Bound,
  ): Generator<[Uint8Array, DecodedNode]> {
    const stack: Frame[] = []
    const push = (node: DecodedNode, tracking: boolean): boolean => {
      // `path` holds the node's full path. A tracked path equal to (a prefix of) the bound is not
      // after it, so its value is skipped; its children from `bound[len]` on may be.
      const len = path.length
      let next = 0
      let emit = !tracking
      if (tracking) {
        if (len < bound!.length) next = bound![len]!
        else tracking = false
        emit = false
      }
      stack.push({ node, len, next, tracking })
      return emit && node.valueOffset >= 0
    }
    if (push(top, topTracking)) yield [fromNibbles(path, path.length), top]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!
      const { node } = frame
      let i = frame.next
      while (i < 16 && (node.mask & (1 << i)) === 0) i++
      if (i >= 16) {
        stack.pop()
        continue
      }
      frame.next = i + 1
      const child = this.child(node, i)!
      path.length = frame.len
      path.push(i)
      const start = path.length
      for (let j = 0; j < child.partialLength; j++) path.push(partialNibble(child, j))
      let tracking = false
      if (frame.tracking && i === bound![frame.len]) {
        // Nibble i equals the bound's; compare the child's partial key.
        const b = compare(start, path.length)
        if (b === Bound.Excluded) continue
        tracking = b === Bound.Tracking
      }
      if (push(child, tracking)) yield [fromNibbles(path, path.length), child]
    }
  }
}

function isEmptyRoot(root: Uint8Array): boolean {
  return bytesEqual(root, EMPTY_TRIE_ROOT)
}
