/**
 * The tee of an upload: each chunk of the file the upload sends is also hashed into the file's
 * content root, in the same pass (the file is read once, never held whole). Large files are hashed
 * on a worker thread, so the hashing does not slow the thread that feeds the socket; the upload
 * waits only when the worker falls more than {@link FILE_ROOT_MAX_IN_FLIGHT} bytes behind.
 */
import { Worker } from 'node:worker_threads'
import { FILE_ROOT_BATCH_BYTES, FILE_ROOT_MAX_IN_FLIGHT, FILE_ROOT_WORKER_MIN_BYTES } from './constants.js'
import { type FileHashes, FilesHasher, type TeeFiles } from './file-hasher.js'
import type { HashWorkerInput, HashWorkerOutput } from './hash-worker.js'
import type { FileDagLayout } from './layout.js'

/** Takes the file's chunks in order; `finish` gives the hashes, or undefined when the bytes did not fit the layout. */
export interface FileTee {
  update(chunk: Uint8Array): void | Promise<void>
  finish(): Promise<FileHashes | undefined>
  /** Frees the worker (idempotent; after `finish` or on failure). */
  close(): void
}

/** Hashes on the calling thread (small files). */
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

/**
 * Hashes on a worker thread (large files). The chunks are copied into batches of
 * {@link FILE_ROOT_BATCH_BYTES} (the upload still sends each chunk, so the worker needs a copy of
 * its own anyway); each batch's buffer is transferred to the worker and comes back with its ack, to
 * hold a later batch.
 */
class WorkerFileTee implements FileTee {
  private readonly worker: Worker
  /** Bytes taken and not yet hashed (the batch being filled included). */
  private inFlight = 0
  private failed = false
  private drained: (() => void) | undefined
  private readonly result: Promise<FileHashes | undefined>
  private batch: Uint8Array = new Uint8Array(FILE_ROOT_BATCH_BYTES)
  private fill = 0
  /** Batch buffers the worker has sent back. */
  private readonly spare: Uint8Array[] = []

  constructor(init: TeeFiles) {
    this.worker = new Worker(new URL('./hash-worker.js', import.meta.url), { workerData: init })
    this.result = new Promise((resolve) => {
      this.worker.on('message', (msg: HashWorkerOutput) => {
        if ('hashed' in msg) {
          this.inFlight -= msg.hashed
          if (msg.buffer.byteLength === FILE_ROOT_BATCH_BYTES) this.spare.push(new Uint8Array(msg.buffer))
          if (this.inFlight <= FILE_ROOT_MAX_IN_FLIGHT / 2) this.release()
        } else if ('done' in msg) resolve(msg.done)
        else this.fail(resolve)
      })
      this.worker.once('error', () => this.fail(resolve))
      this.worker.once('exit', () => this.fail(resolve))
    })
  }

  private release(): void {
    const drained = this.drained
    this.drained = undefined
    drained?.()
  }

  private fail(resolve: (v: undefined) => void): void {
    this.failed = true
    this.release()
    resolve(undefined)
  }

  /** Hands the batch gathered so far to the worker (its buffer moves there) and starts the next. */
  private send(): void {
    const chunk = this.batch.subarray(0, this.fill)
    this.worker.postMessage({ chunk } satisfies HashWorkerInput, [chunk.buffer as ArrayBuffer])
    this.batch = this.spare.pop() ?? new Uint8Array(FILE_ROOT_BATCH_BYTES)
    this.fill = 0
  }

  update(chunk: Uint8Array): void | Promise<void> {
    if (this.failed) return
    this.inFlight += chunk.length
    let at = 0
    while (at < chunk.length) {
      const take = Math.min(FILE_ROOT_BATCH_BYTES - this.fill, chunk.length - at)
      this.batch.set(take === chunk.length ? chunk : chunk.subarray(at, at + take), this.fill)
      this.fill += take
      at += take
      if (this.fill === FILE_ROOT_BATCH_BYTES) this.send()
    }
    // More than a batch is with the worker whenever this waits (FILE_ROOT_MAX_IN_FLIGHT is several batches), so an ack comes.
    if (this.inFlight <= FILE_ROOT_MAX_IN_FLIGHT) return
    return new Promise((resolve) => {
      this.drained = resolve
    })
  }

  finish(): Promise<FileHashes | undefined> {
    if (!this.failed) {
      if (this.fill > 0) this.send()
      this.worker.postMessage({ finish: true } satisfies HashWorkerInput)
    }
    return this.result
  }

  close(): void {
    void this.worker.terminate()
  }
}

/** A tee for a file of `size` bytes laid out as `layout`. */
export function createFileTee(layout: FileDagLayout, size: number): FileTee {
  return createFilesTee({ files: [{ layout, size, firstLeaf: 0 }], leaves: layout.leafOffsets.length })
}

/** A tee for files sent one after another (a folder's: see `folderDagLayout`). */
export function createFilesTee(init: TeeFiles): FileTee {
  const bytes = init.files.reduce((sum, f) => sum + f.size, 0)
  return bytes < FILE_ROOT_WORKER_MIN_BYTES ? new InlineFileTee(init) : new WorkerFileTee(init)
}
