import { AsyncLocalStorage } from 'node:async_hooks'
import { BaseDatastore } from 'datastore-core'
import { type Batch, Key, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import type { StoreOptions } from './blockstore.js'
import { NotFoundError, writeFailed } from './errors.js'
import { commitPut, type LmdbRepo } from './lmdb-repo.js'
import { MAX_IN_FLIGHT_BYTES } from './constants.js'
import { WritePipeline } from './pipeline.js'

const encoder = new TextEncoder()

function encodeKey(key: Key): Uint8Array {
  return encoder.encode(key.toString())
}

/** True when the stored value is `value` (a lost overwrite leaves the old one). */
function holds(stored: Uint8Array | undefined, value: Uint8Array): boolean {
  return stored !== undefined && Buffer.compare(stored, value) === 0
}

function decodeKey(bytes: Uint8Array): Key {
  return new Key(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), false)
}

/** The smallest byte string greater than every string starting with `prefix`, or undefined if none. */
function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const end = Uint8Array.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}

/** A write kept in an atomic scope: a value to put, or `undefined` for a delete. */
type ScopeWrite = { key: Uint8Array; value: Uint8Array | undefined }

/**
 * An atomic scope of {@link LmdbDatastore}: the writes made while running inside it (see
 * {@link LmdbDatastore.runInScope}) are buffered, visible to reads in the same scope, and written
 * by {@link LmdbDatastore.commitScope} in one LMDB transaction, or never if the scope is dropped.
 */
export interface DatastoreScope {
  readonly writes: Map<string, ScopeWrite>
}

/**
 * interface-datastore 10 on the repo's LMDB environment (a sub-database next to the blocks), for
 * Helia's pins and metadata and libp2p's peer store. Writes resolve once committed; a `batch()`
 * commits all its puts and deletes in one LMDB transaction (all or nothing). Queries with a prefix
 * read only that key range.
 *
 * Atomic scopes make a multi-step operation of code that knows nothing about them (Helia's pin
 * add/rm, which writes one record per block and the pin last) all-or-nothing: run it inside
 * {@link runInScope}, then {@link commitScope}. Reads in the scope see its own writes; queries in a
 * scope see committed entries with the scope's writes applied (scope additions come last).
 */
export class LmdbDatastore extends BaseDatastore {
  private readonly scopes = new AsyncLocalStorage<DatastoreScope>()

  constructor(private readonly repo: LmdbRepo) {
    super()
  }

  /** Opens an empty atomic scope. */
  openScope(): DatastoreScope {
    return { writes: new Map() }
  }

  /** Runs `fn` inside `scope`: datastore writes it makes (and async work it starts) go to the scope. */
  runInScope<R>(scope: DatastoreScope, fn: () => R): R {
    return this.scopes.run(scope, fn)
  }

  /** Writes everything buffered in `scope` in one transaction and empties it. */
  async commitScope(scope: DatastoreScope): Promise<void> {
    const pending = [...scope.writes.values()]
    scope.writes.clear()
    if (pending.length === 0) return
    await this.write(pending)
  }

  override async put(key: Key, value: Uint8Array, options?: StoreOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    const scope = this.scopes.getStore()
    if (scope !== undefined) scope.writes.set(key.toString(), { key: encodeKey(key), value })
    else {
      await commitPut(this.repo.datastore, encodeKey(key), value).catch((err: unknown) => {
        throw writeFailed(key.toString(), err)
      })
    }
    return key
  }

  override async get(key: Key, options?: StoreOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const scoped = this.scopes.getStore()?.writes.get(key.toString())
    const value = scoped !== undefined ? scoped.value : this.repo.datastore.getBinary(encodeKey(key))
    if (value === undefined) throw new NotFoundError(key.toString(), `no datastore entry at ${key}`)
    return value
  }

  override async has(key: Key, options?: StoreOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const scoped = this.scopes.getStore()?.writes.get(key.toString())
    if (scoped !== undefined) return scoped.value !== undefined
    return this.repo.datastore.doesExist(encodeKey(key))
  }

  override async delete(key: Key, options?: StoreOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    const scope = this.scopes.getStore()
    if (scope !== undefined) scope.writes.set(key.toString(), { key: encodeKey(key), value: undefined })
    else await this.repo.datastore.remove(encodeKey(key))
  }

  override async *putMany(source: Iterable<Pair> | AsyncIterable<Pair>, options?: StoreOptions): AsyncGenerator<Key> {
    const pipeline = new WritePipeline<Key>(MAX_IN_FLIGHT_BYTES)
    for await (const { key, value } of source) {
      options?.signal?.throwIfAborted()
      pipeline.push(key, value.byteLength, this.put(key, value))
      yield* pipeline.ready()
    }
    yield* pipeline.drain()
  }

  override async *deleteMany(source: Iterable<Key> | AsyncIterable<Key>, options?: StoreOptions): AsyncGenerator<Key> {
    const pipeline = new WritePipeline<Key>(MAX_IN_FLIGHT_BYTES)
    for await (const key of source) {
      options?.signal?.throwIfAborted()
      pipeline.push(key, 64, this.delete(key))
      yield* pipeline.ready()
    }
    yield* pipeline.drain()
  }

  override batch(): Batch {
    const ops: ScopeWrite[] = []
    return {
      put: (key, value) => {
        ops.push({ key: encodeKey(key), value })
      },
      delete: (key) => {
        ops.push({ key: encodeKey(key), value: undefined })
      },
      commit: async (options?: StoreOptions) => {
        options?.signal?.throwIfAborted()
        const pending = ops.splice(0)
        const scope = this.scopes.getStore()
        if (scope === undefined) {
          await this.write(pending)
          return
        }
        for (const op of pending) scope.writes.set(decodeKey(op.key).toString(), op)
      },
    }
  }

  override *_all(q: Query, options?: StoreOptions): Generator<Pair> {
    const scope = this.scopes.getStore()
    for (const { key, value } of this.repo.datastore.getRange(this.range(q.prefix))) {
      options?.signal?.throwIfAborted()
      const k = decodeKey(key)
      if (scope?.writes.has(k.toString()) === true) continue
      yield { key: k, value }
    }
    for (const write of scope?.writes.values() ?? []) {
      if (write.value !== undefined) yield { key: decodeKey(write.key), value: write.value }
    }
  }

  override *_allKeys(q: KeyQuery, options?: StoreOptions): Generator<Key> {
    const scope = this.scopes.getStore()
    for (const key of this.repo.datastore.getKeys(this.range(q.prefix))) {
      options?.signal?.throwIfAborted()
      const k = decodeKey(key)
      if (scope?.writes.has(k.toString()) === true) continue
      yield k
    }
    for (const write of scope?.writes.values() ?? []) {
      if (write.value !== undefined) yield decodeKey(write.key)
    }
  }

  private async write(ops: ScopeWrite[]): Promise<void> {
    const db = this.repo.datastore
    await db.transaction(() => {
      for (const op of ops) {
        if (op.value === undefined) db.removeSync(op.key)
        else db.putSync(op.key, op.value)
      }
    })
    // A commit lost to a full disk leaves the repo as it was: read the writes back.
    const lost = ops.find((op) => (op.value === undefined ? db.doesExist(op.key) : !holds(db.getBinary(op.key), op.value)))
    if (lost !== undefined) throw writeFailed(decodeKey(lost.key).toString())
  }

  private range(prefix: string | undefined): { start?: Uint8Array; end?: Uint8Array } {
    if (prefix === undefined || prefix === '') return {}
    const start = encoder.encode(prefix)
    const end = prefixEnd(start)
    return end === undefined ? { start } : { start, end }
  }
}
