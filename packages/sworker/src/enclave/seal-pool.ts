/**
 * The software enclave's seal worker threads: block jobs are spread over `threads` workers
 * (the least busy first), so hashing and encryption run beside the caller's I/O. A worker is
 * referenced only while it has jobs, so an idle pool never keeps the process alive.
 */
import { Worker } from 'node:worker_threads'
import type { BlockSealJob } from './block-seal.js'
import { EnclaveError, EnclaveErrorCode } from './errors.js'
import type { SealedRecord } from './interface.js'
import type { SealWorkerReply, SealWorkerRequest } from './seal-worker.js'

interface Pending {
  resolve(value: SealedRecord | undefined): void
  reject(err: Error): void
}

class SealThread {
  readonly pending = new Map<number, Pending>()
  private readonly worker: Worker
  private dead = false

  constructor(key: Uint8Array, onExit: (thread: SealThread) => void) {
    this.worker = new Worker(new URL('./seal-worker.js', import.meta.url), { workerData: { key } })
    this.worker.unref()
    this.worker.on('message', (reply: SealWorkerReply) => {
      const job = this.pending.get(reply.id)
      if (job === undefined) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) this.worker.unref()
      if ('record' in reply) job.resolve({ record: reply.record, leaf: reply.leaf })
      else if ('mismatch' in reply) job.resolve(undefined)
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
      // Copies that own their bytes: posting a view clones its whole buffer (a CID may be a view on its parent block),
      // and the block is moved to the worker while the caller may keep its own.
      // (`new Uint8Array(view)` copies; a Buffer's `slice` would not.)
      const block = new Uint8Array(job.block)
      const request: SealWorkerRequest = {
        id,
        cid: new Uint8Array(job.cid),
        hashCode: job.hashCode,
        digest: new Uint8Array(job.digest),
        prefix: new Uint8Array(job.prefix),
        block,
      }
      this.worker.postMessage(request, [block.buffer])
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

  constructor(key: Uint8Array, threads: number) {
    this.key = key
    this.size = threads
  }

  /** Verifies, seals and hashes `job` on the least busy worker (started on first use). */
  run(job: BlockSealJob): Promise<SealedRecord | undefined> {
    while (this.threads.length < this.size) {
      this.threads.push(new SealThread(this.key, (gone) => {
        this.threads = this.threads.filter((t) => t !== gone)
      }))
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
