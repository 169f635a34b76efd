import { HASH_LENGTH } from './hasher.js'
import type { DecodedNode } from './node-codec.js'

/** 30 bits of the hash at `offset` (a small integer, the cheapest kind of `Map` key). */
function slot(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 22) | (bytes[offset + 1]! << 14) | (bytes[offset + 2]! << 6) | (bytes[offset + 3]! >> 2)
}

function sameHash(node: DecodedNode, bytes: Uint8Array, offset: number): boolean {
  const h = node.hash
  for (let i = 0; i < HASH_LENGTH; i++) if (h[i] !== bytes[offset + i]) return false
  return true
}

/**
 * Bounded cache of decoded nodes by hash, with approximate LRU eviction: two generations of at
 * most `capacity / 2` entries each; a hit in the old generation promotes the entry, and when the
 * young generation is full the old one is dropped. Entries are keyed by 30 bits of the hash and
 * checked against the full hash, so a lookup allocates nothing; two hashes sharing those bits
 * evict each other, which only costs a miss.
 */
export class NodeCache {
  private young = new Map<number, DecodedNode>()
  private old = new Map<number, DecodedNode>()
  private readonly generation: number

  constructor(readonly capacity: number) {
    this.generation = Math.max(1, Math.ceil(capacity / 2))
  }

  /** Number of cached nodes. */
  get size(): number {
    return this.young.size + this.old.size
  }

  /** The node whose hash is the 32 bytes of `bytes` at `offset`, if cached. */
  get(bytes: Uint8Array, offset = 0): DecodedNode | undefined {
    const key = slot(bytes, offset)
    const hit = this.young.get(key)
    if (hit !== undefined) return sameHash(hit, bytes, offset) ? hit : undefined
    const old = this.old.get(key)
    if (old === undefined || !sameHash(old, bytes, offset)) return undefined
    this.old.delete(key)
    this.insert(key, old)
    return old
  }

  set(node: DecodedNode): void {
    if (this.capacity > 0) this.insert(slot(node.hash, 0), node)
  }

  /** Drops the node whose hash is the 32 bytes of `hash`, if cached. */
  delete(hash: Uint8Array): void {
    const key = slot(hash, 0)
    const young = this.young.get(key)
    if (young !== undefined && sameHash(young, hash, 0)) this.young.delete(key)
    const old = this.old.get(key)
    if (old !== undefined && sameHash(old, hash, 0)) this.old.delete(key)
  }

  clear(): void {
    this.young.clear()
    this.old.clear()
  }

  private insert(key: number, node: DecodedNode): void {
    this.young.set(key, node)
    if (this.young.size >= this.generation) {
      this.old = this.young
      this.young = new Map()
    }
  }
}
