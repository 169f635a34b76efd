/**
 * The trie node bucket: node encodings by hash. An encoding of up to {@link NODE_PART_BYTES} is
 * stored under its hash; a longer one (a file's value with many replicas: a 100-replica
 * `FilesV2` leaf is 14–20 KB) is stored in parts of {@link NODE_PART_BYTES} under
 * `hash ++ part (u16 BE)`, with an empty value under the hash marking it (no node encodes to
 * nothing: the empty node is `0x00`). A large encoding stored whole would take a run of overflow
 * pages, found by a scan of LMDB's free list that grows as the database churns (see `parts.ts`);
 * a report block writes 300 such nodes and frees as many. Databases written before parts hold
 * large encodings whole under the hash; they are read and removed as they are.
 *
 * Part keys sort right after their hash and before the next hash, so a store appended in hash
 * order stays appended in key order. Every write method runs inside the caller's transaction.
 */
import type { Database } from 'lmdb'
import { LMDB_LEAF_ENTRY_BYTES, partKey, partsEnd } from './parts.js'

type Bytes = Database<Uint8Array, Uint8Array>

const HASH_LENGTH = 32
/** Most bytes of an encoding stored under its hash, and of each part: a part's entry (34-byte key) stays on its leaf page. */
export const NODE_PART_BYTES = LMDB_LEAF_ENTRY_BYTES - 8 - (HASH_LENGTH + 2) - 8
const MARKER = new Uint8Array(0)

export class NodeStore {
  constructor(private readonly db: Bytes) {}

  /** The encoding stored under `hash` (a fresh copy), or undefined. */
  get(hash: Uint8Array): Uint8Array | undefined {
    const value = this.db.getBinary(hash)
    if (value === undefined) return undefined
    if (value.length > 0) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    const parts: Uint8Array[] = []
    let length = 0
    for (const { value: part } of this.db.getRange({ start: partKey(hash, 0), end: partsEnd(hash) })) {
      parts.push(part as Uint8Array)
      length += (part as Uint8Array).length
    }
    const out = new Uint8Array(length)
    let at = 0
    for (const part of parts) {
      out.set(part, at)
      at += part.length
    }
    return out
  }

  has(hash: Uint8Array): boolean {
    return this.db.doesExist(hash)
  }

  /** Stores `encoding` under `hash` (whole or in parts); `hash` must not be stored yet. */
  put(hash: Uint8Array, encoding: Uint8Array): void {
    if (encoding.length <= NODE_PART_BYTES) {
      this.db.put(hash, encoding)
      return
    }
    this.db.put(hash, MARKER)
    for (let part = 0, from = 0; from < encoding.length; part++, from += NODE_PART_BYTES) {
      this.db.put(partKey(hash, part), encoding.subarray(from, from + NODE_PART_BYTES))
    }
  }

  /** {@link put} with MDB_APPEND: `hash` must be above every stored one (LMDB drops the entry otherwise; callers check the order). */
  append(hash: Uint8Array, encoding: Uint8Array): void {
    if (encoding.length <= NODE_PART_BYTES) {
      this.db.putSync(hash, encoding, { append: true })
      return
    }
    this.db.putSync(hash, MARKER, { append: true })
    for (let part = 0, from = 0; from < encoding.length; part++, from += NODE_PART_BYTES) {
      this.db.putSync(partKey(hash, part), encoding.subarray(from, from + NODE_PART_BYTES), { append: true })
    }
  }

  /** Removes the node under `hash` and its parts (nothing when absent). */
  remove(hash: Uint8Array): void {
    if (this.db.getBinaryFast(hash)?.length === 0) {
      for (const key of this.db.getKeys({ start: partKey(hash, 0), end: partsEnd(hash) })) this.db.removeSync(key as Uint8Array)
    }
    this.db.removeSync(hash)
  }

  /** The highest stored hash, or undefined when the store is empty. */
  lastHash(): Uint8Array | undefined {
    for (const key of this.db.getKeys({ reverse: true, limit: 1 })) return new Uint8Array((key as Uint8Array).subarray(0, HASH_LENGTH))
    return undefined
  }

  isEmpty(): boolean {
    return this.db.getKeysCount({ limit: 1 }) === 0
  }

  /** Every stored hash, ascending (copies). */
  *hashes(): Generator<Uint8Array> {
    for (const key of this.db.getKeys()) {
      const bytes = key as Uint8Array
      if (bytes.length === HASH_LENGTH) yield new Uint8Array(bytes)
    }
  }

  /** How many nodes are stored (a walk over every key: for tests and benchmarks). */
  count(): number {
    let n = 0
    for (const key of this.db.getKeys()) if ((key as Uint8Array).length === HASH_LENGTH) n++
    return n
  }
}
