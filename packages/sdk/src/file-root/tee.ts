/**
 * The tee of an upload: each chunk of the file the upload sends is also hashed into the file's
 * content root, in the same pass (the file is read once, never held whole). Large files are hashed
 * on a worker thread at the lowest priority, so the hashing takes CPU time the upload leaves idle;
 * when the worker falls more than {@link FILE_ROOT_MAX_IN_FLIGHT} bytes behind (the machine has no
 * idle time for it), the calling thread hashes the next pieces itself instead of waiting for it.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { FILE_ROOT_BATCH_BYTES, FILE_ROOT_MAX_IN_FLIGHT, FILE_ROOT_WORKER_MIN_BYTES, FILE_ROOT_WORKER_MIN_CORES } from './constants.js'
import { type FileHashes, FilesHasher, type HashedFile, type TeeFiles } from './file-hasher.js'
import type { HashedPieces, HashWorkerInput, HashWorkerOutput } from './hash-worker.js'
import type { FileDagLayout } from './layout.js'
import { type HashedRun, joinRuns } from './run-hasher.js'

/** Takes the file's chunks in order; `finish` gives the hashes, or undefined when the bytes did not fit the layout. */
export interface FileTee {
  update(chunk: Uint8Array): void | Promise<void>
  finish(): Promise<FileHashes | undefined>
  /** Frees the worker (idempotent; after `finish` or on failure). */
  close(): void
  /** A worker tee's count of the pieces hashed on the calling thread (`here`) and on the worker. */
  readonly pieces?: { here: number; worker: number }
}

/**
 * Where a tee hashes: `worker` on a worker thread (with the calling thread's help when it lags),
 * `inline` on the calling thread only, `auto` (the default) the worker for files of
 * {@link FILE_ROOT_WORKER_MIN_BYTES} and more on machines of {@link FILE_ROOT_WORKER_MIN_CORES} cores and more.
 */
export type FileRootHashing = (typeof FILE_ROOT_HASHINGS)[number]

/** Every {@link FileRootHashing}, for checking a value that came from outside the type system. */
export const FILE_ROOT_HASHINGS = ['auto', 'inline', 'worker'] as const

/** How a tee shares the hashing with its worker. */
export interface FileTeeOptions {
  hashing?: FileRootHashing
  /** Bytes the worker may have queued before the calling thread hashes pieces itself (default {@link FILE_ROOT_MAX_IN_FLIGHT}). */
  workerAhead?: number
}

/** Whether a tee of `bytes` hashes on a worker. */
export function hashesOnWorker(bytes: number, hashing: FileRootHashing = 'auto', cores: number = availableParallelism()): boolean {
  if (hashing !== 'auto') return hashing === 'worker'
  return bytes >= FILE_ROOT_WORKER_MIN_BYTES && cores >= FILE_ROOT_WORKER_MIN_CORES
}

/** Hashes on the calling thread (small files, machines of few cores). */
class InlineFileTee implements FileTee {
  private readonly hasher: FilesHasher
  private failed = false

  constructor(init: TeeFiles) {
    this.hasher = new FilesHasher(init.files, init.leaves)
  }

  update(chunk: Uint8Array): void {
    if (this.failed) return
    try {
      this.hasher.update(chunk)
    } catch {
      this.failed = true
    }
  }

  finish(): Promise<FileHashes | undefined> {
    return Promise.resolve(this.failed ? undefined : this.hasher.finish())
  }

  close(): void {}
}

/** Where a piece may end: every leaf boundary of the bytes sent, with the content offset of the leaf there when it is inside a file. */
function* leafBoundaries(files: HashedFile[]): Generator<{ at: number; join: number | undefined }> {
  let start = 0
  for (const file of files) {
    const chunk = file.layout.chunkSize
    for (let k = 0; k * chunk < file.size; k++) yield { at: start + k * chunk, join: k > 0 ? file.layout.leafOffsets[k] : undefined }
    start += file.size
  }
  yield { at: start, join: undefined }
}

/**
 * Hashes on a worker thread (large files). The chunks are copied into pieces of about
 * {@link FILE_ROOT_BATCH_BYTES}, cut at leaf boundaries so each can be hashed apart (the upload
 * still sends each chunk, so the worker needs a copy of its own anyway). A piece's buffer is
 * transferred to the worker and comes back with its ack, to hold a later piece; while the worker
 * has more than `workerAhead` bytes queued, pieces are hashed here, and the last one always is. The
 * pieces' runs are joined again where a piece boundary split one, so the hashes are the ones a
 * single {@link FilesHasher} gives.
 */
class WorkerFileTee implements FileTee {
  private readonly worker: Worker
  private readonly workerAhead: number
  /** Bytes handed to the worker and not yet hashed. */
  private ahead = 0
  private failed = false
  private readonly result: Promise<HashedPieces | undefined>
  /** A piece's buffer size: at least one leaf's bytes. */
  private readonly capacity: number
  private batch: Uint8Array
  private fill = 0
  /** Offset in the bytes sent of the batch's first byte, and of the next byte taken. */
  private from = 0
  private pos = 0
  private readonly spare: Uint8Array[] = []
  private readonly boundaries: Generator<{ at: number; join: number | undefined }>
  private boundary: { at: number; join: number | undefined } = { at: 0, join: undefined }
  /** Content offsets where a piece boundary split a run. */
  private readonly joins = new Set<number>()
  /** What this thread hashed. */
  private readonly here: { digests: Uint8Array; leaves: number[]; bytes: number; pieces: HashedPieces['pieces'] }
  readonly pieces = { here: 0, worker: 0 }

  constructor(
    private readonly init: TeeFiles,
    options: FileTeeOptions,
  ) {
    this.workerAhead = options.workerAhead ?? FILE_ROOT_MAX_IN_FLIGHT
    this.capacity = Math.max(FILE_ROOT_BATCH_BYTES, ...init.files.map((f) => f.layout.chunkSize))
    this.batch = new Uint8Array(this.capacity)
    this.boundaries = leafBoundaries(init.files)
    this.here = { digests: new Uint8Array(init.leaves * 32), leaves: [], bytes: 0, pieces: [] }
    this.worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: init })
    this.result = new Promise((resolve) => {
      this.worker.on('message', (msg: HashWorkerOutput) => {
        if ('hashed' in msg) {
          this.ahead -= msg.hashed
          if (msg.buffer.byteLength === this.capacity) this.spare.push(new Uint8Array(msg.buffer))
        } else if ('done' in msg) resolve(msg.done)
        else this.fail(resolve)
      })
      this.worker.once('error', () => this.fail(resolve))
      this.worker.once('exit', () => this.fail(resolve))
    })
  }

  private fail(resolve: (v: undefined) => void): void {
    this.failed = true
    resolve(undefined)
  }

  private nextBoundary(): { at: number; join: number | undefined } {
    for (;;) {
      const next = this.boundaries.next()
      if (next.done) return { at: Number.POSITIVE_INFINITY, join: undefined }
      if (next.value.at > this.pos) return next.value
    }
  }

  /** Hashes a piece on this thread (its buffer is this tee's own, so it is lent to the hasher). */
  private hashHere(bytes: Uint8Array, from: number, last: boolean): void {
    this.pieces.here++
    try {
      const hasher = new FilesHasher(this.init.files, this.init.leaves, { from, leafDigests: this.here.digests, hashed: this.here.leaves })
      hasher.update(bytes, true)
      const hashes = hasher.finish(last)
      this.here.bytes += hashes.bytes
      this.here.pieces.push({ from, runs: hashes.runs })
    } catch {
      this.failed = true
    }
  }

  /** Ends the piece gathered so far (at a leaf boundary; `join`: the leaf there is inside a file) and starts the next. */
  private cut(join: number | undefined): void {
    if (join !== undefined) this.joins.add(join)
    const piece = this.batch.subarray(0, this.fill)
    if (this.ahead <= this.workerAhead) {
      this.pieces.worker++
      this.ahead += piece.length
      this.worker.postMessage({ chunk: piece, from: this.from } satisfies HashWorkerInput, [piece.buffer as ArrayBuffer])
      this.batch = this.spare.pop() ?? new Uint8Array(this.capacity)
    } else this.hashHere(piece, this.from, false)
    this.from = this.pos
    this.fill = 0
  }

  update(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length && !this.failed) {
      if (this.pos === this.boundary.at) {
        const here = this.boundary
        this.boundary = this.nextBoundary()
        // A piece ends at a leaf boundary when the next leaf would not fit in its buffer.
        if (this.fill > 0 && this.fill + (this.boundary.at - this.pos) > this.capacity) this.cut(here.join)
      }
      const take = Math.min(this.boundary.at - this.pos, this.capacity - this.fill, chunk.length - at)
      if (take === 0) {
        // A full buffer short of a boundary: more bytes than the files' leaves have.
        this.failed = true
        return
      }
      this.batch.set(take === chunk.length ? chunk : chunk.subarray(at, at + take), this.fill)
      this.fill += take
      this.pos += take
      at += take
    }
  }

  async finish(): Promise<FileHashes | undefined> {
    if (!this.failed) {
      this.hashHere(this.batch.subarray(0, this.fill), this.from, true)
      this.worker.postMessage({ finish: true } satisfies HashWorkerInput)
    }
    const done = this.failed ? undefined : await this.result
    if (done === undefined || this.failed) return undefined
    const { leafDigests } = done
    for (const i of this.here.leaves) leafDigests.set(this.here.digests.subarray(i * 32, (i + 1) * 32), i * 32)
    const runs: HashedRun[] = []
    for (const piece of [...done.pieces, ...this.here.pieces].sort((a, b) => a.from - b.from)) {
      for (const run of piece.runs) {
        const before = runs.at(-1)
        if (before !== undefined && before.length > 0 && this.joins.has(run.offset) && before.offset + before.length === run.offset) {
          runs[runs.length - 1] = joinRuns(before, run)
        } else runs.push(run)
      }
    }
    return { bytes: done.bytes + this.here.bytes, leafDigests, runs }
  }

  close(): void {
    void this.worker.terminate()
  }
}

/** A tee for a file of `size` bytes laid out as `layout`. */
export function createFileTee(layout: FileDagLayout, size: number, options: FileTeeOptions = {}): FileTee {
  return createFilesTee({ files: [{ layout, size, firstLeaf: 0 }], leaves: layout.leafOffsets.length }, options)
}

/** A tee for files sent one after another (a folder's: see `folderDagLayout`). */
export function createFilesTee(init: TeeFiles, options: FileTeeOptions = {}): FileTee {
  const bytes = init.files.reduce((sum, f) => sum + f.size, 0)
  return hashesOnWorker(bytes, options.hashing) ? new WorkerFileTee(init, options) : new InlineFileTee(init)
}
