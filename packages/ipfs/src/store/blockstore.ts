import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { NotFoundError } from './errors.js'
import type { LmdbRepo } from './lmdb-repo.js'
import { MAX_IN_FLIGHT_BYTES } from './options.js'
import { collectBytes, WritePipeline } from './pipeline.js'

/** Per-call options of the stores: every call can be cancelled. */
export interface StoreOptions {
  signal?: AbortSignal
}

type BlockInput = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

function* once(bytes: Uint8Array): Generator<Uint8Array> {
  yield bytes
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
  constructor(private readonly repo: LmdbRepo) {}

  has(key: CID, options?: StoreOptions): boolean {
    options?.signal?.throwIfAborted()
    return this.repo.blocks.doesExist(key.multihash.bytes)
  }

  async put(key: CID, value: BlockInput, options?: StoreOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const bytes = value instanceof Uint8Array ? value : await collectBytes(value)
    const db = this.repo.blocks
    const k = key.multihash.bytes
    if (!db.doesExist(k)) await db.put(k, bytes)
    return key
  }

  async *putMany(source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: StoreOptions): AsyncGenerator<CID> {
    const pipeline = new WritePipeline<CID>(MAX_IN_FLIGHT_BYTES)
    for await (const { cid, bytes: value } of source) {
      options?.signal?.throwIfAborted()
      const bytes = value instanceof Uint8Array ? value : await collectBytes(value)
      const db = this.repo.blocks
      const k = cid.multihash.bytes
      pipeline.push(cid, bytes.byteLength, db.doesExist(k) ? Promise.resolve() : db.put(k, bytes))
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
