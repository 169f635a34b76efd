/**
 * The write path of {@link MerkleTrie}: applies a batch of changes to an in-memory copy of the
 * touched part of the trie, then hashes the dirty nodes bottom-up once.
 */
import { EMPTY_TRIE_ROOT } from './constants.js'
import { blake2b256, HASH_LENGTH } from './hasher.js'
import type { TrieChange, TrieCommitResult, TrieNodeEntry } from './interface.js'
import { type DecodedNode, decodeNode, nodeValue } from './node-codec.js'
import { bytesEqual, nibbleAt, popcount16 } from './nibbles.js'

/** Where a commit loads stored nodes from and reports the nodes it creates. */
export interface CommitNodeSource {
  loadRoot(root: Uint8Array): DecodedNode
  child(node: DecodedNode, index: number): DecodedNode
  /** Called once for each node the commit creates. */
  created(node: DecodedNode): void
}

/**
 * A node being rebuilt. Its partial key is nibbles `po..po+pl` of the packed bytes `pb` (a stored
 * encoding, a key, or a fresh buffer), so splitting it copies nothing.
 */
interface MutNode {
  pb: Uint8Array
  po: number
  pl: number
  value: Uint8Array | undefined
  /** Bit i set = child i present. */
  mask: number
  /** Children loaded or rebuilt; a present child with no entry here is `src`'s child. */
  kids: Array<MutNode | undefined> | undefined
  /** The stored node this one was loaded from. */
  src: DecodedNode | undefined
  /** Set while the node equals a stored node. */
  hash: Uint8Array | undefined
}

/**
 * New encodings are carved out of chunks, instead of one allocation each: the first chunk of a
 * commit is this small, each next one twice the last, up to {@link ARENA_CHUNK}. A cached node
 * keeps its whole chunk alive, and most commits (a block's) create a few KiB of nodes: with every
 * chunk at full size an idle storage node's trie cache held a 256 KiB chunk per block, ~30 MiB of
 * RSS after two minutes and growing with each block until the cache turned over.
 */
const ARENA_FIRST_CHUNK = 1024
/** The largest chunk; an encoding over an eighth of it gets an allocation of its own. */
const ARENA_CHUNK = 256 * 1024
const INLINE_PARTIAL_MAX = 63

function nib(packed: Uint8Array, i: number): number {
  const b = packed[i >> 1]!
  return (i & 1) === 0 ? b >> 4 : b & 0x0f
}

function leaf(key: Uint8Array, depth: number, value: Uint8Array): MutNode {
  return { pb: key, po: depth, pl: key.length * 2 - depth, value, mask: 0, kids: undefined, src: undefined, hash: undefined }
}

function fromStored(src: DecodedNode): MutNode {
  return {
    pb: src.encoded,
    po: src.partialOffset * 2,
    pl: src.partialLength,
    value: nodeValue(src),
    mask: src.mask,
    kids: undefined,
    src,
    hash: src.hash,
  }
}

/** Applies `changes` to the trie at `root`; see {@link MerkleTrie.commit}. */
export function commitChanges(source: CommitNodeSource, root: Uint8Array, changes: Iterable<TrieChange>): TrieCommitResult {
  return new Commit(source).run(root, changes)
}

class Commit {
  private readonly source: CommitNodeSource
  private readonly nodes: TrieNodeEntry[] = []
  /** Stored nodes replaced or dropped (see `TrieCommitResult.deleted`). */
  private readonly deleted: Uint8Array[] = []
  private chunk = new Uint8Array(0)
  private used = 0

  constructor(source: CommitNodeSource) {
    this.source = source
  }

  run(root: Uint8Array, changes: Iterable<TrieChange>): TrieCommitResult {
    let loaded = false
    let top: MutNode | undefined
    for (const [key, value] of changes) {
      if (!loaded) {
        top = bytesEqual(root, EMPTY_TRIE_ROOT) ? undefined : fromStored(this.source.loadRoot(root))
        loaded = true
      }
      top = value === null ? this.remove(top, key, 0) : this.insert(top, key, 0, value)
    }
    if (!loaded) return { root, nodes: this.nodes, deleted: this.deleted }
    if (top === undefined) return { root: EMPTY_TRIE_ROOT, nodes: this.nodes, deleted: this.deleted }
    return { root: this.seal(top), nodes: this.nodes, deleted: this.deleted }
  }

  private kid(node: MutNode, i: number): MutNode | undefined {
    if ((node.mask & (1 << i)) === 0) return undefined
    const kids = (node.kids ??= new Array<MutNode | undefined>(16))
    return (kids[i] ??= fromStored(this.source.child(node.src!, i)))
  }

  private setKid(node: MutNode, i: number, kid: MutNode | undefined): void {
    const kids = (node.kids ??= new Array<MutNode | undefined>(16))
    kids[i] = kid
    if (kid === undefined) node.mask &= ~(1 << i)
    else node.mask |= 1 << i
  }

  private insert(node: MutNode | undefined, key: Uint8Array, depth: number, value: Uint8Array): MutNode {
    if (node === undefined) return leaf(key, depth, value)
    const rem = key.length * 2 - depth
    const max = Math.min(node.pl, rem)
    let c = 0
    while (c < max && nib(node.pb, node.po + c) === nibbleAt(key, depth + c)) c++
    if (c < node.pl) {
      // The key leaves this node's partial key at nibble c: a branch takes the node's place.
      const branch: MutNode = {
        pb: node.pb,
        po: node.po,
        pl: c,
        value: undefined,
        mask: 0,
        kids: undefined,
        src: undefined,
        hash: undefined,
      }
      const at = nib(node.pb, node.po + c)
      node.po += c + 1
      node.pl -= c + 1
      node.hash = undefined
      this.setKid(branch, at, node)
      if (c === rem) branch.value = value
      else this.setKid(branch, nibbleAt(key, depth + c), leaf(key, depth + c + 1, value))
      return branch
    }
    if (c === rem) {
      if (node.value === undefined || !bytesEqual(node.value, value)) {
        node.value = value
        node.hash = undefined
      }
      return node
    }
    const i = nibbleAt(key, depth + c)
    const next = this.insert(this.kid(node, i), key, depth + c + 1, value)
    this.setKid(node, i, next)
    if (next.hash === undefined) node.hash = undefined
    return node
  }

  private remove(node: MutNode | undefined, key: Uint8Array, depth: number): MutNode | undefined {
    if (node === undefined) return undefined
    const rem = key.length * 2 - depth
    const pl = node.pl
    if (rem < pl) return node
    for (let c = 0; c < pl; c++) if (nib(node.pb, node.po + c) !== nibbleAt(key, depth + c)) return node
    if (rem === pl) {
      if (node.value === undefined) return node
      node.value = undefined
      node.hash = undefined
      return this.normalize(node)
    }
    const i = nibbleAt(key, depth + pl)
    const before = this.kid(node, i)
    if (before === undefined) return node
    const after = this.remove(before, key, depth + pl + 1)
    if (after === before && after.hash !== undefined) return node
    this.setKid(node, i, after)
    node.hash = undefined
    return this.normalize(node)
  }

  /** Restores the invariant "a node without value has at least two children". */
  private normalize(node: MutNode): MutNode | undefined {
    if (node.value !== undefined) return node
    const mask = node.mask
    if ((mask & (mask - 1)) !== 0) return node
    // The node leaves the trie: without children, or its only child takes its place.
    if (node.src !== undefined) this.deleted.push(node.src.hash)
    if (mask === 0) return undefined
    // One child left and no value: the child takes this node's place, its partial key extended.
    const only = 31 - Math.clz32(mask)
    const child = this.kid(node, only)!
    const pl = node.pl + 1 + child.pl
    const pb = new Uint8Array((pl + 1) >> 1)
    let o = 0
    const put = (n: number): void => {
      if ((o & 1) === 0) pb[o >> 1] = n << 4
      else pb[o >> 1]! |= n
      o++
    }
    for (let i = 0; i < node.pl; i++) put(nib(node.pb, node.po + i))
    put(only)
    for (let i = 0; i < child.pl; i++) put(nib(child.pb, child.po + i))
    child.pb = pb
    child.po = 0
    child.pl = pl
    child.hash = undefined
    return child
  }

  private alloc(size: number): Uint8Array {
    if (size > ARENA_CHUNK >> 3) return new Uint8Array(size)
    if (this.used + size > this.chunk.length) {
      let next = Math.min(ARENA_CHUNK, Math.max(ARENA_FIRST_CHUNK, this.chunk.length * 2))
      while (next < size) next *= 2
      this.chunk = new Uint8Array(next)
      this.used = 0
    }
    const out = this.chunk.subarray(this.used, this.used + size)
    this.used += size
    return out
  }

  /** Encodes and hashes the dirty nodes under `node`, children first (format: node-codec.ts). */
  private seal(node: MutNode): Uint8Array {
    if (node.hash !== undefined) return node.hash
    const { mask, kids, src, value, pb, po, pl } = node
    // A stored node changed: its old encoding leaves this place.
    if (src !== undefined) this.deleted.push(src.hash)
    if (kids !== undefined) {
      for (let i = 0; i < 16; i++) {
        const kid = kids[i]
        if (kid !== undefined && kid.hash === undefined) this.seal(kid)
      }
    }
    let ext = 0
    if (pl >= INLINE_PARTIAL_MAX)
      for (let rest = pl - INLINE_PARTIAL_MAX; ; rest = Math.floor(rest / 128)) {
        ext++
        if (rest < 128) break
      }
    const packed = (pl + 1) >> 1
    const children = popcount16(mask)
    const size = 1 + ext + packed + (mask === 0 ? 0 : 2 + HASH_LENGTH * children) + (value?.length ?? 0)
    const out = this.alloc(size)
    out[0] = (value === undefined ? 0 : 1) | (mask === 0 ? 0 : 2) | (Math.min(pl, INLINE_PARTIAL_MAX) << 2)
    let o = 1
    if (pl >= INLINE_PARTIAL_MAX) {
      let rest = pl - INLINE_PARTIAL_MAX
      while (rest >= 128) {
        out[o++] = (rest & 0x7f) | 0x80
        rest = Math.floor(rest / 128)
      }
      out[o++] = rest
    }
    const b0 = po >> 1
    const full = pl >> 1
    if ((po & 1) === 0) {
      for (let j = 0; j < full; j++) out[o++] = pb[b0 + j]!
      if ((pl & 1) === 1) out[o++] = pb[b0 + full]! & 0xf0
    } else {
      for (let j = 0; j < full; j++) out[o++] = ((pb[b0 + j]! & 0x0f) << 4) | (pb[b0 + j + 1]! >> 4)
      if ((pl & 1) === 1) out[o++] = (pb[b0 + full]! & 0x0f) << 4
    }
    if (mask !== 0) {
      out[o++] = mask & 0xff
      out[o++] = mask >> 8
      for (let i = 0; i < 16; i++) {
        const bit = 1 << i
        if ((mask & bit) === 0) continue
        const kid = kids?.[i]
        let from: Uint8Array
        let at: number
        if (kid !== undefined) {
          from = kid.hash!
          at = 0
        } else {
          from = src!.encoded
          at = src!.childOffset + HASH_LENGTH * popcount16(src!.mask & (bit - 1))
        }
        for (let j = 0; j < HASH_LENGTH; j++) out[o++] = from[at + j]!
      }
    }
    if (value !== undefined) out.set(value, o)
    const hash = blake2b256(out)
    node.hash = hash
    this.nodes.push([hash, out])
    this.source.created(decodeNode(out, hash))
    return hash
  }
}
