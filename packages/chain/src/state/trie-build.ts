/**
 * Builds a trie bottom-up from key/value pairs given in ascending key order, streaming each node out
 * as soon as it is complete (children before parents). It holds only the open branches along the
 * current key's path, so a state of millions of keys is built in constant memory, without reading
 * any node back: for loading a prepared state (benchmarks at mainnet size), not for blocks.
 * The root and the nodes equal what {@link MerkleTrie.commit} gives for the same pairs.
 */
import { EMPTY_TRIE_ROOT } from './constants.js'
import { StateError, StateErrorCode } from './errors.js'
import { blake2b256 } from './hasher.js'
import { nibbleAt } from './nibbles.js'
import { encodeNode } from './node-codec.js'

/** Receives each finished node: `hash` and `encoding`. */
export type TrieNodeSink = (hash: Uint8Array, encoding: Uint8Array) => void

/** An open branch: its path is the first `depth` nibbles of `key`. */
interface Frame {
  depth: number
  key: Uint8Array
  value: Uint8Array | undefined
  children: Array<Uint8Array | undefined>
}

/** A finished subtree waiting for its parent's depth (which fixes its partial key). */
interface Carry {
  key: Uint8Array
  /** Nibble length of its path (the key's full length for a leaf). */
  end: number
  value: Uint8Array | undefined
  children: Array<Uint8Array | undefined> | undefined
}

/** Common prefix length of `a` and `b`, in nibbles. */
function commonNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  if (i === n) return 2 * i
  return a[i]! >> 4 === b[i]! >> 4 ? 2 * i + 1 : 2 * i
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

export class SortedTrieBuilder {
  private readonly stack: Frame[] = []
  private prev: { key: Uint8Array; value: Uint8Array } | undefined
  private count = 0
  private done = false

  constructor(private readonly sink: TrieNodeSink) {}

  /** Pairs added so far. */
  get size(): number {
    return this.count
  }

  /** Adds a pair; keys must be strictly ascending (bytewise). The builder keeps `key` and `value`. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.done) throw invalid('the builder is finished')
    const prev = this.prev
    if (prev !== undefined && compareBytes(prev.key, key) >= 0) throw invalid('keys must be added in strictly ascending order')
    this.prev = { key, value }
    this.count++
    if (prev === undefined) return
    const l = commonNibbles(prev.key, key)
    if (l === prev.key.length * 2) {
      // `prev` is a prefix of `key`: its value sits on the branch where they part.
      this.stack.push({ depth: l, key: prev.key, value: prev.value, children: new Array(16) })
      return
    }
    let carry: Carry = { key: prev.key, end: prev.key.length * 2, value: prev.value, children: undefined }
    let top = this.stack[this.stack.length - 1]
    while (top !== undefined && top.depth > l) {
      top.children[nibbleAt(carry.key, top.depth)] = this.emit(carry, top.depth + 1)
      this.stack.pop()
      carry = { key: top.key, end: top.depth, value: top.value, children: top.children }
      top = this.stack[this.stack.length - 1]
    }
    if (top === undefined || top.depth < l) {
      top = { depth: l, key: carry.key, value: undefined, children: new Array(16) }
      this.stack.push(top)
    }
    top.children[nibbleAt(carry.key, l)] = this.emit(carry, l + 1)
  }

  /** Closes every open branch and returns the root (the empty root when nothing was added). */
  finish(): Uint8Array {
    if (this.done) throw invalid('the builder is finished')
    this.done = true
    const prev = this.prev
    if (prev === undefined) return EMPTY_TRIE_ROOT
    let carry: Carry = { key: prev.key, end: prev.key.length * 2, value: prev.value, children: undefined }
    for (let top = this.stack.pop(); top !== undefined; top = this.stack.pop()) {
      top.children[nibbleAt(carry.key, top.depth)] = this.emit(carry, top.depth + 1)
      carry = { key: top.key, end: top.depth, value: top.value, children: top.children }
    }
    return this.emit(carry, 0)
  }

  /** Encodes and hands out the carry with the partial key from nibble `from` to its end; returns its hash. */
  private emit(carry: Carry, from: number): Uint8Array {
    const partial = new Uint8Array(carry.end - from)
    for (let i = from; i < carry.end; i++) partial[i - from] = nibbleAt(carry.key, i)
    const encoding = encodeNode(partial, carry.value, carry.children)
    const hash = blake2b256(encoding)
    this.sink(hash, encoding)
    return hash
  }
}

function invalid(reason: string): StateError {
  return new StateError({ code: StateErrorCode.INVALID_ARGUMENT, reason }, 'invalid trie build')
}
