import fs from 'node:fs'
import { DiskReserve, reserveWrites } from '@crust-ts/base'
import { type Database, open, type RootDatabase } from 'lmdb'
import { Bucket, bucketName } from './buckets.js'
import { REPO_FORMAT_VERSION, REPO_MAX_DBS } from './constants.js'
import { RepoError, RepoErrorCode } from './errors.js'
import { defaultLmdbRepoOptions, type LmdbRepoInit, type RepoDurability } from './options.js'

/** Binary-keyed, binary-valued LMDB sub-database. */
export type BytesDb = Database<Uint8Array, Uint8Array>

/** lmdb-js's `put` with a per-write callback (typed by lmdb's own .d.ts only in its promise form). */
type PutWithCallback = (key: Uint8Array, value: Uint8Array, callback: (error: unknown, written?: boolean) => void) => void

/**
 * Issues a put and resolves once the transaction that holds it committed; rejects with the commit's
 * error (disk full, I/O error) when that transaction failed. It uses lmdb-js's callback form: each
 * callback is settled by the transaction its own write went into, whereas the promise form hands
 * every write issued in one batch the promise of the batch's first write, which a write that the
 * writer thread moved on to a later, failed transaction does not move.
 */
export function commitPut(db: BytesDb, key: Uint8Array, value: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    ;(db.put as unknown as PutWithCallback).call(db, key, value, (error, written) => {
      if (error !== null && error !== undefined) reject(error)
      else if (written === false) reject(new Error('lmdb did not write the value'))
      else resolve()
    })
  })
}

const VERSION_KEY = new TextEncoder().encode('version')

/** Space and object counts of the repo, read from LMDB's own B-tree statistics (O(1)). */
export interface RepoStorageStat {
  /** Number of stored blocks. */
  blocks: number
  /** Bytes of the pages holding blocks and their index (what the blocks occupy on disk). */
  blockBytes: number
  /** Bytes of the pages holding datastore entries (pins, peer store, metadata). */
  datastoreBytes: number
  /** Number of datastore entries. */
  datastoreEntries: number
  /** Size of the LMDB data file on disk (includes free pages kept for reuse). */
  fileBytes: number
}

interface LmdbDbStats {
  pageSize: number
  treeBranchPageCount: number
  treeLeafPageCount: number
  overflowPages: number
  entryCount: number
}

function usedBytes(stats: LmdbDbStats): number {
  return (stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages) * stats.pageSize
}

/**
 * The IPFS repo's LMDB environment: one folder holding the block store, the datastore and the
 * repo's meta records as separate sub-databases. Reads are synchronous (memory map); writes are
 * batched by LMDB into one transaction per event-loop turn and resolve once committed, so an
 * acknowledged write survives a process crash and nothing is ever half-written. It can be closed
 * and opened again (the stores built on it follow).
 */
export class LmdbRepo {
  /** The environment folder. */
  readonly path: string
  readonly durability: RepoDurability
  private env: RootDatabase<Uint8Array, Uint8Array> | undefined
  private blocksDb: BytesDb | undefined
  private datastoreDb: BytesDb | undefined

  private constructor(path: string, durability: RepoDurability) {
    this.path = path
    this.durability = durability
  }

  /**
   * Opens (creating it if missing) the environment in folder `init.path`. Throws a
   * {@link RepoError} `IPFS_ERROR_REPO_OPEN_FAILED` if the folder is unusable and
   * `IPFS_ERROR_REPO_VERSION_MISMATCH` if it holds another format.
   */
  static open(init: LmdbRepoInit): LmdbRepo {
    const { durability } = { ...defaultLmdbRepoOptions, ...init }
    const repo = new LmdbRepo(init.path, durability)
    repo.reopen()
    return repo
  }

  /** True between open and close. */
  get isOpen(): boolean {
    return this.env !== undefined
  }

  /** Opens the environment again after {@link close}; does nothing if it is open. */
  reopen(): void {
    if (this.env !== undefined) return
    const path = this.path
    const fail = (message: string, cause?: unknown): RepoError =>
      new RepoError({ code: RepoErrorCode.OPEN_FAILED, path }, message, cause === undefined ? undefined : { cause })
    try {
      fs.mkdirSync(path, { recursive: true })
    } catch (err) {
      throw fail('cannot create the repo folder', err)
    }
    if (!fs.statSync(path).isDirectory()) throw fail('the repo path is not a folder')
    let env: RootDatabase<Uint8Array, Uint8Array> | undefined
    try {
      env = open<Uint8Array, Uint8Array>({
        path,
        noSubdir: false,
        maxDbs: REPO_MAX_DBS,
        encoding: 'binary',
        keyEncoding: 'binary',
        compression: false,
        cache: false,
        noSync: false,
        overlappingSync: this.durability === 'overlapping',
      })
      env = reserveWrites(env, DiskReserve.forLmdb(path))
    } catch (err) {
      throw fail('cannot open the repo database', err)
    }
    const sub = (bucket: Bucket): BytesDb => env.openDB<Uint8Array, Uint8Array>({ name: bucketName(bucket), encoding: 'binary', keyEncoding: 'binary' })
    try {
      const meta = sub(Bucket.meta)
      const found = meta.getBinary(VERSION_KEY)
      if (found === undefined) {
        meta.putSync(VERSION_KEY, new TextEncoder().encode(REPO_FORMAT_VERSION))
      } else if (Buffer.from(found).toString('utf8') !== REPO_FORMAT_VERSION) {
        throw new RepoError(
          { code: RepoErrorCode.VERSION_MISMATCH, path, found: Buffer.from(found).toString('utf8'), expected: REPO_FORMAT_VERSION },
          'the repo was written by another format version',
        )
      }
      this.blocksDb = sub(Bucket.blocks)
      this.datastoreDb = sub(Bucket.datastore)
      this.env = env
    } catch (err) {
      void env.close()
      if (err instanceof RepoError) throw err
      throw fail('cannot open the repo database', err)
    }
  }

  /** Waits for outstanding writes, then closes the environment; later use throws `IPFS_ERROR_REPO_CLOSED`. */
  async close(): Promise<void> {
    const env = this.env
    if (env === undefined) return
    this.env = undefined
    this.blocksDb = undefined
    this.datastoreDb = undefined
    await env.close()
  }

  /** The block sub-database (multihash -> bytes). */
  get blocks(): BytesDb {
    if (this.blocksDb === undefined) throw closedError()
    return this.blocksDb
  }

  /** The datastore sub-database (key -> bytes). */
  get datastore(): BytesDb {
    if (this.datastoreDb === undefined) throw closedError()
    return this.datastoreDb
  }

  /** Resolves once every write issued so far is flushed to disk (fsync), whatever the durability mode. */
  async flushed(): Promise<void> {
    if (this.env === undefined) throw closedError()
    await this.env.flushed
  }

  /** Object counts and sizes from LMDB's statistics: constant time, no block is read. */
  stat(): RepoStorageStat {
    const blocks = this.blocks.getStats() as LmdbDbStats
    const datastore = this.datastore.getStats() as LmdbDbStats
    let fileBytes = 0
    try {
      fileBytes = fs.statSync(`${this.path}/data.mdb`).size
    } catch {
      // the file name is LMDB's; a missing file only means no size to report
    }
    return {
      blocks: blocks.entryCount,
      blockBytes: usedBytes(blocks),
      datastoreBytes: usedBytes(datastore),
      datastoreEntries: datastore.entryCount,
      fileBytes,
    }
  }
}

function closedError(): RepoError {
  return new RepoError({ code: RepoErrorCode.CLOSED }, 'the repo is closed')
}
