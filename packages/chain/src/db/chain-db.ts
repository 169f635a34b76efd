import fs from 'node:fs'
import { DiskReserve, reserveWrites } from '@crust-ts/base'
import { type Database, open, type RootDatabase } from 'lmdb'
import type { TrieNodeReader } from '../state/interface.js'
import { Bucket, bucketName } from './buckets.js'
import { DbError, DbErrorCode } from './errors.js'
import { type JournalBlock, StateJournal, type StatePruneStep } from './state-journal.js'

/** A block as the database keeps it; header and body are opaque bytes chosen by the caller. */
export interface StoredBlock {
  hash: Uint8Array
  number: number
  header: Uint8Array
  body: Uint8Array
}

/** Everything {@link ChainDatabase.commitBlock} writes in one transaction. */
export interface CommitBlockWrite {
  block: StoredBlock
  /** New trie nodes, `[hash, encoding]` (e.g. the `nodes` of `MerkleTrie.commit`). */
  nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>
  /** Also record the block as the canonical one at its number. */
  canonical: boolean
  /** Extra meta entries to set, e.g. `{ best: hash }`. */
  meta?: Record<string, Uint8Array>
  /** Canonical index changes of a reorg, written in the same transaction. */
  reorg?: CanonicalUpdate
  /**
   * Pruned databases: the hashes of the parent state's nodes this block's state no longer holds
   * (`MerkleTrie.commit`'s `deleted`). Given, the block is journaled (it is not final yet);
   * omitted (genesis), its nodes are simply referenced. Archive databases ignore it.
   */
  deleted?: readonly Uint8Array[]
  /** Pruned databases: the finality step this commit carries (e.g. the parent became final). */
  prune?: StatePruneStep
}

/** Canonical index changes when the best chain switches: `number -> hash` entries to set, numbers to remove. */
export interface CanonicalUpdate {
  set?: ReadonlyArray<readonly [number, Uint8Array]>
  remove?: readonly number[]
}

/** Everything {@link ChainDatabase.commitHead} writes in one transaction. */
export interface CommitHeadWrite {
  reorg?: CanonicalUpdate
  meta: Record<string, Uint8Array>
  /** Finality justifications to store, by block hash. */
  justifications?: ReadonlyArray<readonly [Uint8Array, Uint8Array]>
  /** Pruned databases: the finality step this commit carries. */
  prune?: StatePruneStep
  /** Authority proofs to keep, by block hash (the encoded proof; see {@link ChainDatabase.getAuthorityProof}). */
  authorityProofs?: ReadonlyArray<readonly [Uint8Array, Uint8Array]>
}

/** A block header without its body (a state-synced node stores the headers below its sync point only). */
export interface StoredHeader {
  hash: Uint8Array
  number: number
  header: Uint8Array
}

/** Everything {@link ChainDatabase.commitSyncedState} writes in one transaction. */
export interface CommitSyncedStateWrite {
  /** The canonical headers from block 1 up to the sync point, ascending. */
  headers: readonly StoredHeader[]
  /**
   * Every trie node of the state at the sync point (`MerkleTrie.commit` from the empty root), once
   * per place; read once, inside the transaction (a large state is streamed from disk, not held).
   * Ignored when `sortedNodes` is given.
   */
  nodes: Iterable<readonly [Uint8Array, Uint8Array]>
  /**
   * The same nodes each once, strictly ascending by hash, with their count of places: appended
   * to the store (full pages written in order) instead of put one by one at random places, which
   * is what makes installing a multi-GB state take seconds per GB. Read once, inside the transaction.
   */
  sortedNodes?: Iterable<readonly [Uint8Array, Uint8Array, number]>
  /** Meta entries to set (best, finalized, the state window start). */
  meta: Record<string, Uint8Array>
  /** Finality justifications to store, by block hash. */
  justifications?: ReadonlyArray<readonly [Uint8Array, Uint8Array]>
}

/**
 * How the database keeps trie nodes, fixed when it is created:
 * - `archive`: every node forever (nothing counted, nothing journaled);
 * - `pruned`: nodes are reference counted and journaled per block, so the states finality rules
 *   out or that fall out of the kept window can be deleted (see `state-journal.ts`).
 */
export type StateMode = 'archive' | 'pruned'

/**
 * How a committed block reaches the disk:
 * - `sync`: `commitBlock` returns after LMDB has flushed the transaction (fsync): durable against
 *   process crashes and power loss.
 * - `overlapping`: LMDB's `overlappingSync`: `commitBlock` returns once the transaction is committed
 *   (visible, and kept if the process dies), the flush follows in the background; a power loss can
 *   lose the last blocks, never part of one.
 */
export type ChainDatabaseDurability = 'sync' | 'overlapping'

/** Options of {@link ChainDatabase.open}. */
export interface ChainDatabaseInit {
  durability?: ChainDatabaseDurability
  /**
   * The state mode the caller needs; a new database is created in it, an existing one must have
   * been created in it (`DB_ERROR_STATE_MODE_MISMATCH` otherwise). Omitted: a new database is
   * `archive`, an existing one opens in its own mode.
   */
  state?: StateMode
}

/** Defaults of {@link ChainDatabaseInit}. */
export const defaultChainDatabaseInit: Required<Omit<ChainDatabaseInit, 'state'>> = {
  durability: 'sync',
}

/** Meta key of the database's {@link StateMode}; databases written before it existed are `archive`. */
export const META_STATE_MODE = 'stateMode'

/** Length of block and trie node hashes (blake2b-256). */
const HASH_LENGTH = 32
const MAX_BLOCK_NUMBER = 0xffff_ffff

type Bytes = Database<Uint8Array, Uint8Array>

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

function hex(bytes: Uint8Array): string {
  return '0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function invalid(reason: string): DbError {
  return new DbError({ code: DbErrorCode.INVALID_ARGUMENT, reason }, 'invalid argument')
}

/**
 * The chain's embedded database: blocks, the canonical chain index, trie nodes and a few meta
 * entries in one LMDB environment (a folder). Reads are synchronous; each block is written with
 * one atomic transaction ({@link ChainDatabase.commitBlock}), so after a crash the database opens
 * on the last committed block with nothing half-written.
 */
export class ChainDatabase implements TrieNodeReader {
  /** The database folder. */
  readonly path: string
  private readonly env: RootDatabase<Uint8Array, Uint8Array>
  private readonly nodes: Bytes
  private readonly headers: Bytes
  private readonly bodies: Bytes
  private readonly numbers: Bytes
  private readonly canonical: Bytes
  private readonly meta: Bytes
  private readonly justifications: Bytes
  private readonly authorityProofs: Bytes
  private readonly journal: StateJournal
  /** How trie nodes are kept (see {@link StateMode}). */
  readonly stateMode: StateMode
  private closed = false

  private constructor(path: string, env: RootDatabase<Uint8Array, Uint8Array>, requested: StateMode | undefined) {
    this.path = path
    this.env = env
    const sub = (bucket: Bucket): Bytes => env.openDB<Uint8Array, Uint8Array>({ name: bucketName(bucket), encoding: 'binary', keyEncoding: 'binary' })
    this.nodes = sub(Bucket.trieNode)
    this.headers = sub(Bucket.blockHeader)
    this.bodies = sub(Bucket.blockBody)
    this.numbers = sub(Bucket.blockNumber)
    this.canonical = sub(Bucket.canonicalHash)
    this.meta = sub(Bucket.meta)
    this.justifications = sub(Bucket.justification)
    this.authorityProofs = sub(Bucket.authorityProof)
    this.journal = new StateJournal(this.nodes, sub(Bucket.trieNodeRefs), sub(Bucket.stateInserted), sub(Bucket.stateDeleted))
    this.stateMode = this.settleStateMode(requested)
    if (this.stateMode === 'pruned') this.journal.keepBucketsNonEmpty()
  }

  /** The stored mode; a new database takes the requested one (default archive). */
  private settleStateMode(requested: StateMode | undefined): StateMode {
    const key = Buffer.from(META_STATE_MODE, 'utf8')
    const stored = this.meta.getBinary(key)?.toString('utf8')
    if (stored === 'archive' || stored === 'pruned') {
      if (requested !== undefined && requested !== stored) throw this.modeMismatch(stored, requested)
      return stored
    }
    // No mode recorded: a new database, or one written before pruning existed (it kept everything).
    const fresh = this.nodes.getKeysCount({ limit: 1 }) === 0
    const mode = fresh ? (requested ?? 'archive') : 'archive'
    if (requested !== undefined && requested !== mode) throw this.modeMismatch(mode, requested)
    // putSync: a transactionSync this early leaves lmdb's close() waiting forever.
    this.meta.putSync(key, Buffer.from(mode, 'utf8'))
    return mode
  }

  private modeMismatch(stored: StateMode, requested: StateMode): DbError {
    const how = stored === 'archive' ? 'keeps every state (archive)' : 'is pruned'
    return new DbError(
      { code: DbErrorCode.STATE_MODE_MISMATCH, path: this.path, stored, requested },
      `the chain database ${how}; open it with --pruning ${stored === 'archive' ? 'archive' : '<blocks>'} or start from a new data folder (crust dev: --reset)`,
    )
  }

  /**
   * Opens (creating it if missing) the database in folder `path`.
   * Throws a {@link DbError} `DB_ERROR_OPEN_FAILED` if the folder is unusable.
   */
  static open(path: string, init?: ChainDatabaseInit): ChainDatabase {
    const { durability } = { ...defaultChainDatabaseInit, ...init }
    const fail = (message: string, cause?: unknown): DbError =>
      new DbError({ code: DbErrorCode.OPEN_FAILED, path }, message, cause === undefined ? undefined : { cause })
    try {
      fs.mkdirSync(path, { recursive: true })
    } catch (err) {
      throw fail('cannot create the database folder', err)
    }
    if (!fs.statSync(path).isDirectory()) throw fail('the database path is not a folder')
    let env: RootDatabase<Uint8Array, Uint8Array> | undefined
    try {
      env = open<Uint8Array, Uint8Array>({
        path,
        noSubdir: false,
        maxDbs: 16,
        encoding: 'binary',
        keyEncoding: 'binary',
        compression: false,
        cache: false,
        noSync: false,
        overlappingSync: durability === 'overlapping',
        // Trie nodes are keyed by hash, so every read lands at a random place of the map. With the
        // kernel's readahead each page fault read its neighbours too: a node catching up after a
        // 10 M-file state sync (two 15 GB databases on a 23 GB machine) read 1.4-1.8 GB/s from
        // disk, in the page cache's refault paths, and imported 0.8 empty blocks a second.
        // (lmdb-js reads the option, its typings lack it.)
        ...{ noReadAhead: true },
      })
      env = reserveWrites(env, DiskReserve.forLmdb(path))
      return new ChainDatabase(path, env, init?.state)
    } catch (err) {
      void env?.close()
      if (err instanceof DbError) throw err
      throw fail('cannot open the database', err)
    }
  }

  /** Closes the environment, waiting for outstanding work; later calls throw `DB_ERROR_CLOSED`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.env.close()
  }

  /** Trie node encoding by hash, or undefined. */
  getNode(hash: Uint8Array): Uint8Array | undefined {
    return this.read(this.nodes, hash)
  }

  /** Header bytes of the block with this hash, or undefined. */
  getHeader(hash: Uint8Array): Uint8Array | undefined {
    return this.read(this.headers, hash)
  }

  /** Body bytes of the block with this hash, or undefined. */
  getBody(hash: Uint8Array): Uint8Array | undefined {
    return this.read(this.bodies, hash)
  }

  /** Number of the block with this hash, or undefined. */
  getBlockNumber(hash: Uint8Array): number | undefined {
    const bytes = this.read(this.numbers, hash)
    return bytes === undefined ? undefined : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
  }

  /** Hash of the canonical block at `number`, or undefined. */
  getCanonicalHash(number: number): Uint8Array | undefined {
    if (!Number.isInteger(number) || number < 0 || number > MAX_BLOCK_NUMBER) return undefined
    return this.read(this.canonical, u32be(number))
  }

  /** The finality justification stored for a block, or undefined. */
  getJustification(hash: Uint8Array): Uint8Array | undefined {
    return this.read(this.justifications, hash)
  }

  /** The authority proof kept for a block (a set change's, see {@link CommitHeadWrite.authorityProofs}), or undefined. */
  getAuthorityProof(hash: Uint8Array): Uint8Array | undefined {
    return this.read(this.authorityProofs, hash)
  }

  /** Meta entry (e.g. `best`, `finalized`, `genesis`), or undefined. */
  getMeta(key: string): Uint8Array | undefined {
    return this.read(this.meta, Buffer.from(key, 'utf8'))
  }

  /**
   * Writes, in ONE atomic and durable LMDB transaction: the block's header and body, its number,
   * the new trie nodes, the canonical `number -> hash` entry if `canonical`, and the `meta` entries.
   * When it returns, all of it is committed; if it throws (`DB_ERROR_WRITE_FAILED`), none of it is.
   */
  commitBlock(write: CommitBlockWrite): void {
    this.assertOpen()
    const { block, nodes, canonical, meta, reorg, deleted, prune } = write
    if (block.hash.length !== HASH_LENGTH) throw invalid(`block hash must be ${HASH_LENGTH} bytes`)
    if (!Number.isInteger(block.number) || block.number < 0 || block.number > MAX_BLOCK_NUMBER) {
      throw invalid(`block number must be a u32, got ${block.number}`)
    }
    const metaEntries = Object.entries(meta ?? {})
    for (const [key] of metaEntries) if (key.length === 0) throw invalid('meta keys must not be empty')
    const number = u32be(block.number)
    try {
      this.env.transactionSync(() => {
        if (this.stateMode === 'archive') {
          for (const [hash, encoding] of nodes) this.nodes.put(hash, encoding)
        } else {
          this.journal.addNodes(nodes)
          if (deleted !== undefined) this.journal.record([block.number, block.hash], nodes, deleted)
          if (prune !== undefined) this.journal.apply(prune)
        }
        this.headers.put(block.hash, block.header)
        this.bodies.put(block.hash, block.body)
        this.numbers.put(block.hash, number)
        this.applyReorg(reorg)
        if (canonical) this.canonical.put(number, block.hash)
        for (const [key, value] of metaEntries) this.meta.put(Buffer.from(key, 'utf8'), value)
      })
    } catch (err) {
      throw new DbError({ code: DbErrorCode.WRITE_FAILED, block: hex(block.hash) }, 'block write failed, rolled back', {
        cause: err,
      })
    }
  }

  /**
   * Moves the head without a new block (e.g. finality switching the best chain): canonical index
   * changes and meta entries in ONE atomic transaction.
   */
  commitHead(write: CommitHeadWrite): void {
    this.assertOpen()
    const metaEntries = Object.entries(write.meta)
    for (const [key] of metaEntries) if (key.length === 0) throw invalid('meta keys must not be empty')
    try {
      this.env.transactionSync(() => {
        this.applyReorg(write.reorg)
        for (const [key, value] of metaEntries) this.meta.put(Buffer.from(key, 'utf8'), value)
        for (const [hash, bytes] of write.justifications ?? []) this.justifications.put(hash, bytes)
        for (const [hash, bytes] of write.authorityProofs ?? []) this.authorityProofs.put(hash, bytes)
        if (write.prune !== undefined && this.stateMode === 'pruned') this.journal.apply(write.prune)
      })
    } catch (err) {
      throw new DbError({ code: DbErrorCode.WRITE_FAILED, block: 'head' }, 'head write failed, rolled back', { cause: err })
    }
  }

  /**
   * State sync: writes, in ONE atomic transaction, the header chain up to the sync point (canonical,
   * without bodies), every node of the state at it (referenced once per place, as a final state's
   * nodes are) and the meta entries that make it best and finalized. A crash before it returns
   * leaves the database as it was (a fresh one stays fresh, so the node syncs again); there is no
   * half-written state. Pruned databases only (an archive node has every state since genesis).
   */
  commitSyncedState(write: CommitSyncedStateWrite): void {
    this.assertOpen()
    if (this.stateMode !== 'pruned') throw invalid('a synced state needs a pruned database')
    for (const h of write.headers) {
      if (h.hash.length !== HASH_LENGTH) throw invalid(`block hash must be ${HASH_LENGTH} bytes`)
      if (!Number.isInteger(h.number) || h.number < 1 || h.number > MAX_BLOCK_NUMBER) throw invalid(`block number must be a u32 above 0, got ${h.number}`)
    }
    const metaEntries = Object.entries(write.meta)
    for (const [key] of metaEntries) if (key.length === 0) throw invalid('meta keys must not be empty')
    try {
      this.env.transactionSync(() => {
        if (write.sortedNodes === undefined) this.journal.addNodes(write.nodes)
        else this.journal.appendAround(write.sortedNodes, (hash) => invalid(`synced state nodes must ascend by hash (at ${hex(hash)})`))
        for (const h of write.headers) {
          const number = u32be(h.number)
          this.headers.put(h.hash, h.header)
          this.numbers.put(h.hash, number)
          this.canonical.put(number, h.hash)
        }
        for (const [hash, bytes] of write.justifications ?? []) this.justifications.put(hash, bytes)
        for (const [key, value] of metaEntries) this.meta.put(Buffer.from(key, 'utf8'), value)
      })
    } catch (err) {
      throw new DbError({ code: DbErrorCode.WRITE_FAILED, block: 'synced state' }, 'synced state write failed, rolled back', { cause: err })
    }
  }

  /**
   * Bulk load of a prepared state (e.g. one built with `SortedTrieBuilder`), one transaction per
   * call: each node is stored with one reference per place, as a final state's are (an already
   * stored node gains one). Make the state reachable afterwards (`Chain.importSyncedState`).
   */
  addStateNodes(nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): void {
    this.assertOpen()
    try {
      this.env.transactionSync(() => {
        if (this.stateMode === 'archive') for (const [hash, encoding] of nodes) this.nodes.put(hash, encoding)
        else this.journal.addNodes(nodes)
      })
    } catch (err) {
      throw new DbError({ code: DbErrorCode.WRITE_FAILED, block: 'state nodes' }, 'state node write failed, rolled back', { cause: err })
    }
  }

  /**
   * Bulk load of a prepared state's nodes, ascending by hash across calls, before anything else
   * is stored under those hashes (e.g. before genesis): each `[hash, encoding, places]` is appended
   * (LMDB fills its pages instead of splitting them half-full) with `places` references. One
   * transaction per call. Throws `DB_ERROR_INVALID_ARGUMENT`, writing nothing, if a hash is not
   * above every stored one and the ones before it (LMDB would drop such an entry without a word).
   */
  appendStateNodes(nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array, number]>): void {
    this.assertOpen()
    let previous: Uint8Array | undefined
    for (const key of this.nodes.getKeys({ reverse: true, limit: 1 })) previous = key
    for (const [hash] of nodes) {
      if (hash.length !== HASH_LENGTH) throw invalid(`node hashes must be ${HASH_LENGTH} bytes`)
      if (previous !== undefined && Buffer.compare(previous, hash) >= 0)
        throw invalid('state nodes must be appended in ascending hash order, above every stored node')
      previous = hash
    }
    try {
      this.env.transactionSync(() => {
        if (this.stateMode === 'archive') for (const [hash, encoding] of nodes) this.nodes.putSync(hash, encoding, { append: true })
        else this.journal.appendNodes(nodes)
      })
    } catch (err) {
      throw new DbError({ code: DbErrorCode.WRITE_FAILED, block: 'state nodes' }, 'state node append failed, rolled back', { cause: err })
    }
  }

  /** Pruned databases: the blocks journaled and not yet final nor discarded (empty for archive databases). */
  journaledBlocks(): JournalBlock[] {
    this.assertOpen()
    return this.stateMode === 'pruned' ? this.journal.journaled() : []
  }

  /** Pruned databases: the node references pruning the state below `block` releases (0 for archive databases or a block not journaled). */
  journaledDeletions(block: JournalBlock): number {
    this.assertOpen()
    return this.stateMode === 'pruned' ? this.journal.deletedCount(block) : 0
  }

  /** References held on a stored trie node: 0 when absent; archive databases count 1 for any stored node. */
  nodeRefCount(hash: Uint8Array): number {
    this.assertOpen()
    if (this.stateMode === 'archive') return this.getNode(hash) === undefined ? 0 : 1
    return this.journal.refCount(hash)
  }

  /**
   * LMDB's overflow pages of the state journal's buckets (tests and benchmarks): a value larger than
   * a leaf entry takes a run of them, whose allocation scans LMDB's free list (see `state-journal.ts`).
   */
  journalOverflowPages(): number {
    this.assertOpen()
    const pages = (bucket: Bucket) =>
      (this.env.openDB({ name: bucketName(bucket), encoding: 'binary', keyEncoding: 'binary' }).getStats() as { overflowPages: number }).overflowPages
    return pages(Bucket.stateInserted) + pages(Bucket.stateDeleted)
  }

  /** How many trie nodes are stored (a full count: for tests and benchmarks). */
  countNodes(): number {
    this.assertOpen()
    return this.nodes.getKeysCount()
  }

  private applyReorg(reorg: CanonicalUpdate | undefined): void {
    if (reorg === undefined) return
    for (const n of reorg.remove ?? []) this.canonical.remove(u32be(n))
    for (const [n, hash] of reorg.set ?? []) this.canonical.put(u32be(n), hash)
  }

  private read(db: Bytes, key: Uint8Array): Uint8Array | undefined {
    this.assertOpen()
    if (key.length === 0) return undefined
    const value = db.getBinary(key)
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }

  private assertOpen(): void {
    if (this.closed) throw new DbError({ code: DbErrorCode.CLOSED }, 'the chain database is closed')
  }
}
