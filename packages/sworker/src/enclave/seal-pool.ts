/**
 * The software enclave's seal worker threads: block jobs are spread over `threads` workers
 * (the least busy first), so hashing and encryption run beside the caller's I/O. A worker is
 * referenced only while it has jobs, so an idle pool never keeps the process alive.
 */
import { Worker } from 'node:worker_threads'
import { SEAL_OVERHEAD } from './constants.js'
import type { BlockSealJob } from './block-seal.js'
import { BufferPool } from './buffer-pool.js'
import { EnclaveError, EnclaveErrorCode } from './errors.js'
import type { SealedRecord } from './interface.js'
import type { SealWorkerReply, SealWorkerRequest } from './seal-worker.js'

/** Lent buffers kept for reuse between blocks (a few MiB of Kubo's 256 KiB blocks). */
const MAX_FREE_BUFFERS = 64

interface Pending {
  resolve(value: SealedRecord | undefined): void
  reject(err: Error): void
}

class SealThread {
  readonly pending = new Map<number, Pending>()
  private readonly worker: Worker
  private dead = false

  constructor(
    key: Uint8Array,
    private readonly buffers: BufferPool,
    onExit: (thread: SealThread) => void,
  ) {
    // No inherited node flags: the worker needs none, and some (--input-type, --eval) would stop it from starting.
    this.worker = new Worker(new URL('./seal-worker.js', import.meta.url), { workerData: { key }, execArgv: [] })
    this.worker.unref()
    this.worker.on('message', (reply: SealWorkerReply) => {
      const job = this.pending.get(reply.id)
      if (job === undefined) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) this.worker.unref()
      this.buffers.give(reply.input)
      if ('recordLength' in reply) {
        const output = reply.output
        job.resolve({
          record: new Uint8Array(output, 0, reply.recordLength),
          leaf: reply.leaf,
          ...(reply.contentSubtrees === undefined ? {} : { contentSubtrees: reply.contentSubtrees }),
          release: () => this.buffers.give(output),
        })
        return
      }
      this.buffers.give(reply.output)
      if ('mismatch' in reply) job.resolve(undefined)
      else job.reject(new EnclaveError(EnclaveErrorCode.SEAL_FAILED, 'a seal worker failed', { reason: reply.error }))
    })
    const fail = (err: unknown) => {
      if (this.dead) return
      this.dead = true
      for (const job of this.pending.values()) job.reject(new EnclaveError(EnclaveErrorCode.SEAL_FAILED, 'a seal worker stopped', undefined, { cause: err }))
      this.pending.clear()
      onExit(this)
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)))
  }

  run(id: number, job: BlockSealJob): Promise<SealedRecord | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref()
      this.pending.set(id, { resolve, reject })
      // The block is copied into a lent buffer: the caller keeps its own. The small fields are copied too: posting a
      // view clones its whole buffer (a CID may be a view on its parent block); `new Uint8Array(view)` copies.
      const input = this.buffers.take(job.block.length)
      new Uint8Array(input).set(job.block)
      const output = this.buffers.take(job.prefix.length + SEAL_OVERHEAD + job.block.length)
      const request: SealWorkerRequest = {
        id,
        cid: new Uint8Array(job.cid),
        hashCode: job.hashCode,
        digest: new Uint8Array(job.digest),
        prefix: new Uint8Array(job.prefix),
        ...(job.content === undefined ? {} : { content: job.content }),
        input,
        length: job.block.length,
        output,
      }
      this.worker.postMessage(request, [input, output])
    })
  }

  async terminate(): Promise<void> {
    this.dead = true
    for (const job of this.pending.values()) job.reject(new EnclaveError(EnclaveErrorCode.SEAL_FAILED, 'the enclave was closed'))
    this.pending.clear()
    await this.worker.terminate()
  }
}

/** A pool of seal worker threads holding the sealing key. */
export class SealPool {
  private readonly key: Uint8Array
  private readonly size: number
  private threads: SealThread[] = []
  private nextId = 0
  private readonly buffers = new BufferPool(MAX_FREE_BUFFERS)

  constructor(key: Uint8Array, threads: number) {
    this.key = key
    this.size = threads
  }

  /** Verifies, seals and hashes `job` on the least busy worker (started on first use). */
  run(job: BlockSealJob): Promise<SealedRecord | undefined> {
    while (this.threads.length < this.size) {
      this.threads.push(
        new SealThread(this.key, this.buffers, (gone) => {
          this.threads = this.threads.filter((t) => t !== gone)
        }),
      )
    }
    let best = this.threads[0]!
    for (const thread of this.threads) if (thread.pending.size < best.pending.size) best = thread
    return best.run(this.nextId++, job)
  }

  /** Stops the workers; jobs still running are rejected. */
  async close(): Promise<void> {
    const threads = this.threads
    this.threads = []
    await Promise.all(threads.map((t) => t.terminate()))
  }
}
