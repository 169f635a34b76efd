import { AsyncLocalStorage } from 'node:async_hooks'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { takeRelease } from './after-write.js'
import { NotFoundError, writeFailed } from './errors.js'
import { commitPut, type LmdbRepo } from './lmdb-repo.js'
import { MAX_IN_FLIGHT_BYTES } from './constants.js'
import { collectBytes, WritePipeline } from './pipeline.js'
import { iterateWithin } from './scope.js'

/** Per-call options of the stores: every call can be cancelled. */
export interface StoreOptions {
  signal?: AbortSignal
}

type BlockInput = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

function* once(bytes: Uint8Array): Generator<Uint8Array> {
  yield bytes
}

/**
 * Writes issued in a write-behind scope (see {@link LmdbBlockstore.writeBehind}): `put` returns once
 * its write is issued, the scope keeps at most `maxBytes` uncommitted, and `flush()` waits for all
 * of them and reports the first failed commit (each write's own result: {@link commitPut}).
 */
class WriteBehindScope {
  private readonly pending: Array<{ done: Promise<unknown>; size: number }> = []
  private bytes = 0
  private failure: { error: unknown } | undefined

  constructor(private readonly maxBytes: number) {}

  /** Tracks an issued write; waits only while more than `maxBytes` are uncommitted. */
  async track(done: Promise<unknown>, size: number, key: string): Promise<void> {
    done.catch((error: unknown) => {
      this.failure ??= { error: writeFailed(key, error) }
    })
    this.pending.push({ done, size })
    this.bytes += size
    while (this.bytes > this.maxBytes) await this.shift()
    if (this.failure !== undefined) throw this.failure.error
  }

  /** Waits until every tracked write is committed; throws the first write error. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.shift()
    if (this.failure !== undefined) throw this.failure.error
  }

  private async shift(): Promise<void> {
    const entry = this.pending.shift()!
    this.bytes -= entry.size
    try {
      await entry.done
    } catch {
      // recorded in `failure` by track()
    }
  }
}

/**
 * interface-blockstore 7 on the repo's LMDB environment, keyed by multihash: the CIDv0 and CIDv1 of
 * the same bytes (and the same bytes under any codec) share one block, as in Kubo's flatfs.
 *
 * Writes resolve once committed (see {@link LmdbRepo}); `putMany` keeps up to
 * {@link MAX_IN_FLIGHT_BYTES} in flight so LMDB commits them in few large transactions while the
 * caller keeps hashing. `getAll` yields CIDv1 `raw` CIDs (the codec is not stored) whose bytes are
 * read only when iterated.
 */
export class LmdbBlockstore implements Blockstore {
  private readonly scopes = new AsyncLocalStorage<WriteBehindScope>()

  constructor(private readonly repo: LmdbRepo) {}

  /**
   * Runs `fn` (an import) with write-behind: each `put` it makes, through any layers above this
   * store, returns as soon as its write is issued instead of when it is committed, so hashing the
   * next blocks overlaps committing the previous ones (at most {@link MAX_IN_FLIGHT_BYTES} stay
   * uncommitted). Resolves only once every write of `fn` is committed, so what `fn` returns is
   * acknowledged as usual; a failed write fails the call.
   */
  async writeBehind<T>(fn: () => Promise<T>): Promise<T> {
    if (this.scopes.getStore() !== undefined) return fn()
    const scope = new WriteBehindScope(MAX_IN_FLIGHT_BYTES)
    let result: T
    try {
      result = await this.scopes.run(scope, fn)
    } catch (err) {
      // leave nothing in flight behind a failed import; its own error is the one to report
      await scope.flush().catch(() => {})
      throw err
    }
    await scope.flush()
    return result
  }

  /**
   * Iterates `make()` (a streaming import) with write-behind; before each value is yielded, every
   * write made so far is committed, so each yielded value is acknowledged.
   */
  async *writeBehindIterate<T>(make: () => AsyncIterable<T>): AsyncGenerator<T> {
    if (this.scopes.getStore() !== undefined) {
      yield* make()
      return
    }
    const scope = new WriteBehindScope(MAX_IN_FLIGHT_BYTES)
    let done = false
    try {
      for await (const value of iterateWithin((fn) => this.scopes.run(scope, fn), make)) {
        await scope.flush()
        yield value
      }
      await scope.flush()
      done = true
    } finally {
      // abandoned or failed: leave nothing in flight
      if (!done) await scope.flush().catch(() => {})
    }
  }

  has(key: CID, options?: StoreOptions): boolean {
    options?.signal?.throwIfAborted()
    return this.repo.blocks.doesExist(key.multihash.bytes)
  }

  async put(key: CID, value: BlockInput, options?: StoreOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = value instanceof Uint8Array ? value : await collectBytes(value)
    const db = this.repo.blocks
    const k = key.multihash.bytes
    const release = takeRelease(bytes)
    if (db.doesExist(k)) {
      release?.()
      return key
    }
    const written = commitPut(db, k, bytes)
    if (release !== undefined) written.then(release, release)
    const scope = this.scopes.getStore()
    if (scope === undefined) {
      await written.catch((err: unknown) => {
        throw writeFailed(key.toString(), err)
      })
    } else await scope.track(written, bytes.byteLength, key.toString())
    return key
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: StoreOptions): AsyncGenerator<CID> {
    const pipeline = new WritePipeline<CID>(MAX_IN_FLIGHT_BYTES)
    for await (const { cid, bytes: value } of source) {
      options?.signal?.throwIfAborted()
      const bytes = value instanceof Uint8Array ? value : await collectBytes(value)
      const db = this.repo.blocks
      const k = cid.multihash.bytes
      const written = db.doesExist(k) ? Promise.resolve() : commitPut(db, k, bytes)
      const release = takeRelease(bytes)
      if (release !== undefined) written.then(release, release)
      const done = written.catch((err: unknown) => {
        throw writeFailed(cid.toString(), err)
      })
      pipeline.push(cid, bytes.byteLength, done)
      yield* pipeline.ready()
    }
    yield* pipeline.drain()
  }

  *get(key: CID, options?: StoreOptions): Generator<Uint8Array> {
    options?.signal?.throwIfAborted()
    yield this.read(key)
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: StoreOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      options?.signal?.throwIfAborted()
      yield { cid, bytes: once(this.read(cid)) }
    }
  }

  async delete(key: CID, options?: StoreOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.repo.blocks.remove(key.multihash.bytes)
  }

  async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: StoreOptions): AsyncGenerator<CID> {
    const pipeline = new WritePipeline<CID>(MAX_IN_FLIGHT_BYTES)
    for await (const cid of source) {
      options?.signal?.throwIfAborted()
      // a delete holds no payload; count a nominal size so the pipeline stays bounded
      pipeline.push(cid, 1024, this.repo.blocks.remove(cid.multihash.bytes))
      yield* pipeline.ready()
    }
    yield* pipeline.drain()
  }

  *getAll(options?: StoreOptions): Generator<Pair> {
    const db = this.repo.blocks
    for (const key of db.getKeys()) {
      options?.signal?.throwIfAborted()
      const multihash = new Uint8Array(key)
      const cid = CID.createV1(raw.code, Digest.decode(multihash))
      const read = (): Uint8Array => this.read(cid)
      yield {
        cid,
        bytes: (function* () {
          yield read()
        })(),
      }
    }
  }

  private read(cid: CID): Uint8Array {
    const bytes = this.repo.blocks.getBinary(cid.multihash.bytes)
    if (bytes === undefined) throw new NotFoundError(cid.toString(), `block ${cid} is not in the block store`)
    return bytes
  }
}
