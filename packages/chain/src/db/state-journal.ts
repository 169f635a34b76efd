/**
 * Reference counting and the per-block journal of a pruned database's trie nodes (Substrate's
 * state-db, with counts instead of path-prefixed keys, so a node shared by two places or two
 * states is stored once and freed only when the last reference goes):
 * - a block's new nodes are stored at import with one reference each (an already stored node
 *   gains one), and the block journals which nodes it inserted and which of its parent's it no
 *   longer holds;
 * - finality keeps a block (its inserted journal goes), or discards it (every node it inserted
 *   loses a reference, both journals go);
 * - pruning the state of a final block applies its child's deleted journal (each node loses a
 *   reference); a node without references is deleted.
 * All of it runs inside the caller's LMDB write transaction, with the commit it belongs to.
 */
import type { Database } from 'lmdb'

type Bytes = Database<Uint8Array, Uint8Array>

/** A block in the journal: its number and hash. */
export type JournalBlock = readonly [number: number, hash: Uint8Array]

/** What one finality step does to a pruned database's state, written in that step's transaction. */
export interface StatePruneStep {
  /** Blocks now final: what they inserted stays; their inserted journal goes. */
  canonicalized: readonly JournalBlock[]
  /** Blocks finality ruled out (forks): each node they inserted loses a reference; their journals go. */
  discarded: readonly JournalBlock[]
  /** Final blocks whose parent's state is discarded now: each node in their deleted journal loses a reference. */
  pruned: readonly JournalBlock[]
}

const HASH_LENGTH = 32
/** See {@link StateJournal.keepBucketsNonEmpty}. */
const SENTINEL = Uint8Array.of(0)
/**
 * Hashes per stored part of a block's journal. A journal is written in parts that each fit on an
 * LMDB leaf page (an entry of at most 2,040 bytes with 4 KiB pages): a larger value takes a run of
 * contiguous overflow pages, and LMDB finds such a run by scanning its free-page list (loading
 * more of it, up to 60 tries a page, when none is long enough). A report block journals ~10,000
 * inserted nodes: 320 KB, a run of 79 pages, the longest a block asks for. (A 10 M-file node
 * serving state while it authored spent 56 % of its CPU in LMDB's free-list merging; how much of
 * that the journals caused was not isolated.)
 */
export const JOURNAL_HASHES_PER_PART = 60
const PART_KEY_LENGTH = 4 + HASH_LENGTH + 2

function journalKey([number, hash]: JournalBlock): Uint8Array {
  const key = new Uint8Array(4 + hash.length)
  new DataView(key.buffer).setUint32(0, number)
  key.set(hash, 4)
  return key
}

/** The key of part `part` of a block's journal: its journal key and the part's number (u16 BE). */
function partKey(key: Uint8Array, part: number): Uint8Array {
  const out = new Uint8Array(PART_KEY_LENGTH)
  out.set(key)
  new DataView(out.buffer).setUint16(key.length, part)
  return out
}

/** Just above every part key of `key` (a range's exclusive end). */
function partsEnd(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 3).fill(0xff)
  out.set(key)
  return out
}

function* splitHashes(bytes: Uint8Array | undefined): Generator<Uint8Array> {
  if (bytes === undefined) return
  for (let o = 0; o + HASH_LENGTH <= bytes.length; o += HASH_LENGTH) yield bytes.subarray(o, o + HASH_LENGTH)
}

function u32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** The trie node buckets of a pruned database; every write method must run inside a write transaction. */
export class StateJournal {
  constructor(
    private readonly nodes: Bytes,
    private readonly refs: Bytes,
    private readonly inserted: Bytes,
    private readonly deleted: Bytes,
  ) {}

  /**
   * Puts a one-byte key (never a hash nor a journal key) in each journal bucket, so none of them is
   * ever emptied by a transaction that also wrote it: lmdb has failed on such put-then-empty
   * transactions (a bad freelist entry at commit). Runs outside any transaction, once per open.
   */
  keepBucketsNonEmpty(): void {
    for (const db of [this.refs, this.inserted, this.deleted]) if (!db.doesExist(SENTINEL)) db.putSync(SENTINEL, SENTINEL)
  }

  /** Stores new nodes: an absent one with one reference, a stored one gains a reference. */
  addNodes(nodes: Iterable<readonly [Uint8Array, Uint8Array]>): void {
    // A lookup then a put: a put that refuses to overwrite (one search) measured slower at 10 M
    // files (report blocks 2.6 s against 2.1 s).
    for (const [hash, encoding] of nodes) {
      if (this.nodes.doesExist(hash)) this.setRefs(hash, this.countedRefs(hash) + 1)
      else this.nodes.put(hash, encoding)
    }
  }

  /**
   * Bulk load into an empty node store: `nodes` ascending by hash, each with its count of places,
   * written with MDB_APPEND (full pages, no search). Throws if a hash is not above every stored one.
   */
  appendNodes(nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array, number]>): void {
    for (const [hash, encoding, places] of nodes) {
      this.nodes.putSync(hash, encoding, { append: true })
      // A hash above every stored one has no refs entry yet: only counts above one are written.
      if (places > 1) this.refs.put(hash, u32be(places))
    }
  }

  /**
   * Bulk load of `nodes` (strictly ascending by hash, each with its count of places) into a store
   * that holds only a small state already (a fresh chain's genesis): the stored nodes are taken
   * out and merged into the stream (a node in both keeps the sum of its references), so every
   * node is written with MDB_APPEND, in order. Throws `outOfOrder(hash)` at a hash that does not
   * ascend (the caller's transaction then rolls back).
   */
  appendAround(nodes: Iterable<readonly [Uint8Array, Uint8Array, number]>, outOfOrder: (hash: Uint8Array) => Error): void {
    const stored: Array<[Uint8Array, Uint8Array, number]> = []
    for (const { key, value } of this.nodes.getRange()) {
      const hash = new Uint8Array(key as Uint8Array)
      stored.push([hash, new Uint8Array(value), this.refCount(hash)])
    }
    for (const [hash] of stored) {
      this.nodes.remove(hash)
      this.refs.remove(hash)
    }
    let previous: Uint8Array | undefined
    let s = 0
    // The refs bucket holds none of these hashes (the stored ones were just taken out): only
    // counts above one are written, no remove is looked up per node.
    const append = (hash: Uint8Array, encoding: Uint8Array, places: number) => {
      this.nodes.putSync(hash, encoding, { append: true })
      if (places > 1) this.refs.put(hash, u32be(places))
    }
    for (const [hash, encoding, places] of nodes) {
      if (previous !== undefined && Buffer.compare(previous, hash) >= 0) throw outOfOrder(hash)
      previous = hash
      for (; s < stored.length && Buffer.compare(stored[s]![0], hash) < 0; s++) append(...stored[s]!)
      if (s < stored.length && Buffer.compare(stored[s]![0], hash) === 0) append(hash, encoding, places + stored[s++]![2])
      else append(hash, encoding, places)
    }
    for (; s < stored.length; s++) append(...stored[s]!)
  }

  /** Journals a non-final block: the nodes it inserted and those of its parent's state it no longer holds. */
  record(block: JournalBlock, nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, deleted: readonly Uint8Array[]): void {
    const key = journalKey(block)
    this.writeParts(
      this.inserted,
      key,
      nodes.map(([h]) => h),
    )
    if (deleted.length > 0) this.writeParts(this.deleted, key, deleted)
  }

  /** Applies one finality step (see {@link StatePruneStep}). */
  apply(step: StatePruneStep): void {
    for (const block of step.canonicalized) this.removeJournal(this.inserted, journalKey(block))
    for (const block of step.discarded) {
      const key = journalKey(block)
      for (const hash of this.journalHashes(this.inserted, key)) this.release(hash)
      this.removeJournal(this.inserted, key)
      this.removeJournal(this.deleted, key)
    }
    for (const block of step.pruned) {
      const key = journalKey(block)
      for (const hash of this.journalHashes(this.deleted, key)) this.release(hash)
      this.removeJournal(this.deleted, key)
    }
  }

  /** Writes `hashes` as the journal `key` of `db`, in parts of {@link JOURNAL_HASHES_PER_PART}. */
  private writeParts(db: Bytes, key: Uint8Array, hashes: readonly Uint8Array[]): void {
    for (let part = 0, from = 0; from < hashes.length || part === 0; part++, from += JOURNAL_HASHES_PER_PART) {
      const count = Math.min(JOURNAL_HASHES_PER_PART, hashes.length - from)
      const value = new Uint8Array(count * HASH_LENGTH)
      for (let i = 0; i < count; i++) value.set(hashes[from + i]!, i * HASH_LENGTH)
      db.put(partKey(key, part), value)
    }
  }

  /** The hashes of a block's journal in `db`: a whole value written before the journal had parts, then its parts in order. */
  private *journalHashes(db: Bytes, key: Uint8Array): Generator<Uint8Array> {
    yield* splitHashes(this.read(db, key))
    for (const { value } of db.getRange({ start: partKey(key, 0), end: partsEnd(key) })) {
      const bytes = value as Uint8Array
      yield* splitHashes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    }
  }

  /** Removes a block's journal from `db`: a whole value and every part. */
  private removeJournal(db: Bytes, key: Uint8Array): void {
    db.remove(key)
    for (const part of db.getKeys({ start: partKey(key, 0), end: partsEnd(key) })) db.remove(part as Uint8Array)
  }

  /** How many node references pruning `block`'s parent state will release (its deleted journal's length). */
  deletedCount(block: JournalBlock): number {
    const key = journalKey(block)
    let bytes = this.deleted.getBinary(key)?.length ?? 0
    for (const { value } of this.deleted.getRange({ start: partKey(key, 0), end: partsEnd(key) })) bytes += (value as Uint8Array).length
    return bytes / HASH_LENGTH
  }

  /** The blocks whose inserted journal is still kept (imported, neither final nor discarded), by number. */
  journaled(): JournalBlock[] {
    const out: JournalBlock[] = []
    for (const key of this.inserted.getKeys()) {
      const bytes = key as Uint8Array
      // A whole journal (written before parts), or a journal's first part (every journal has one).
      const whole = bytes.length === 4 + HASH_LENGTH
      if (!whole && !(bytes.length === PART_KEY_LENGTH && bytes[PART_KEY_LENGTH - 2] === 0 && bytes[PART_KEY_LENGTH - 1] === 0)) continue
      // A copy: lmdb hands keys out as Buffers, whose slice() is a view of the whole key.
      out.push([u32(bytes), new Uint8Array(bytes.subarray(4, 4 + HASH_LENGTH))])
    }
    return out
  }

  /** References of a stored node (0 when absent). */
  refCount(hash: Uint8Array): number {
    const stored = this.read(this.refs, hash)
    if (stored !== undefined) return u32(stored)
    return this.nodes.doesExist(hash) ? 1 : 0
  }

  /** One reference less; the node goes with its last one. */
  private release(hash: Uint8Array): void {
    const counted = this.read(this.refs, hash)
    if (counted !== undefined) {
      this.setRefs(hash, u32(counted) - 1)
      return
    }
    // One reference (or none, which only a bug could leave: removing nothing is then harmless).
    this.nodes.removeSync(hash)
  }

  /** References of a node known to be stored: its refs entry, or one without an entry. */
  private countedRefs(hash: Uint8Array): number {
    const stored = this.read(this.refs, hash)
    return stored === undefined ? 1 : u32(stored)
  }

  private setRefs(hash: Uint8Array, count: number): void {
    if (count <= 1) this.refs.remove(hash)
    else this.refs.put(hash, u32be(count))
  }

  private read(db: Bytes, key: Uint8Array): Uint8Array | undefined {
    const value = db.getBinary(key)
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }
}
