import fs from 'node:fs'
import { DiskReserve, reserveWrites } from '@crust-ts/base'
import { type Database, open, type RootDatabase } from 'lmdb'
import { BlockFiles } from './block-files.js'
import { Bucket, bucketName } from './buckets.js'
import { SealedStoreError, SealedStoreErrorCode } from './errors.js'

/** Binary-keyed, binary-valued LMDB sub-database. */
export type BytesDb = Database<Uint8Array, Uint8Array>

/** Format version of the sealed store (2: sealed blocks in data files, located by the block index). */
export const SEALED_STORE_VERSION = '2'
const VERSION_KEY = new TextEncoder().encode('version')

/**
 * The sWorker's LMDB environment: the block index, file records, SRD unit records and the last
 * reported file set, each in its own bucket, and beside it the sealed blocks' data files
 * ({@link BlockFiles}). Writes resolve once committed (fsync'd), so what an awaited write stored
 * survives a crash.
 */
export class SealedStore {
  readonly path: string
  /** The data files of sealed blocks. */
  readonly blockFiles: BlockFiles
  private readonly env: RootDatabase<Uint8Array, Uint8Array>
  private readonly dbs = new Map<Bucket, BytesDb>()

  private constructor(path: string, env: RootDatabase<Uint8Array, Uint8Array>) {
    this.path = path
    this.env = env
    this.blockFiles = new BlockFiles(path)
  }

  /** Opens (creating it if missing) the store in folder `path`. */
  static open(path: string): SealedStore {
    let env: RootDatabase<Uint8Array, Uint8Array>
    try {
      fs.mkdirSync(path, { recursive: true, mode: 0o700 })
      env = open<Uint8Array, Uint8Array>({
        path,
        maxDbs: 16,
        encoding: 'binary',
        keyEncoding: 'binary',
        compression: false,
        cache: false,
        noSync: false,
      })
      env = reserveWrites(env, DiskReserve.forLmdb(path))
    } catch (err) {
      throw new SealedStoreError(SealedStoreErrorCode.OPEN_FAILED, 'cannot open the sealed store', { path }, { cause: err })
    }
    const store = new SealedStore(path, env)
    const meta = store.db(Bucket.meta)
    const found = meta.getBinary(VERSION_KEY)
    if (found === undefined) meta.putSync(VERSION_KEY, new TextEncoder().encode(SEALED_STORE_VERSION))
    else if (Buffer.from(found).toString('utf8') !== SEALED_STORE_VERSION) {
      env.close()
      throw new SealedStoreError(SealedStoreErrorCode.VERSION_MISMATCH, 'the sealed store was written by another format version', {
        path,
        found: Buffer.from(found).toString('utf8'),
      })
    }
    return store
  }

  /** The sub-database of `bucket`. */
  db(bucket: Bucket): BytesDb {
    let db = this.dbs.get(bucket)
    if (db === undefined) {
      db = this.env.openDB<Uint8Array, Uint8Array>({ name: bucketName(bucket), encoding: 'binary', keyEncoding: 'binary' })
      this.dbs.set(bucket, db)
    }
    return db
  }

  /** Runs `fn` in one write transaction (all or nothing). */
  transaction<T>(fn: () => T): Promise<T> {
    return this.env.transaction(fn)
  }

  /** Waits for pending writes, then closes the environment. */
  async close(): Promise<void> {
    await this.env.flushed
    await this.env.close()
  }
}
