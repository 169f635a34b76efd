/**
 * Worker threads for transaction signatures: a batch (a pushed set of transactions, the blocks of
 * a sync response) is split between the workers and the calling thread, which checks its own share
 * while the workers check theirs. The threads start with the first batch worth splitting, are
 * referenced only while they have work (an idle pool never keeps the process alive) and stop after
 * {@link IDLE_STOP_MS} without any, so an idle node holds none.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type SignatureCheck, verifySignature } from './signature-check.js'
import type { SignatureWorkerReply, SignatureWorkerRequest } from './signature-worker.js'

/** Batches smaller than this are checked on the calling thread (posting costs more than it saves). */
export const MIN_PARALLEL_CHECKS = 8
/** Idle workers stop after this long. */
export const IDLE_STOP_MS = 30_000

/** Default worker count: one per core beside the calling thread's, at most 4. */
export function defaultSignatureWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1))
}

export type PayloadCheck = SignatureCheck & { payload: Uint8Array }

class SignatureThread {
  readonly pending = new Map<number, { resolve(valid: Uint8Array): void; reject(err: Error): void }>()
  private readonly worker: Worker
  dead = false
  /** It loaded its crypto and takes requests (until then batches go to the other threads). */
  ready = false

  constructor(onExit: (thread: SignatureThread) => void) {
    // No inherited node flags: the worker needs none, and some (--input-type, --eval, --cpu-prof) would change or stop it.
    this.worker = new Worker(new URL('./signature-worker.js', import.meta.url), { execArgv: [] })
    this.worker.unref()
    this.worker.on('message', (reply: SignatureWorkerReply) => {
      if ('ready' in reply) {
        this.ready = true
        return
      }
      const job = this.pending.get(reply.id)
      if (job === undefined) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) this.worker.unref()
      job.resolve(reply.valid)
    })
    const fail = (err: unknown) => {
      if (this.dead) return
      this.dead = true
      for (const job of this.pending.values()) job.reject(err instanceof Error ? err : new Error(String(err)))
      this.pending.clear()
      onExit(this)
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => fail(new Error(`signature worker exited (${code})`)))
  }

  run(id: number, checks: PayloadCheck[]): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref()
      this.pending.set(id, { resolve, reject })
      // Only the fields the check reads, copied: a field may be a view on a large buffer (a whole block), which posting would clone.
      const request: SignatureWorkerRequest = {
        id,
        checks: checks.map((c) => ({
          scheme: c.scheme,
          signer: c.signer.slice(),
          signature: c.signature.slice(),
          multiSignature: c.multiSignature.slice(),
          payload: c.payload.slice(),
        })),
      }
      this.worker.postMessage(request)
    })
  }

  stop(): Promise<number> {
    this.dead = true
    return this.worker.terminate()
  }
}

export class SignatureWorkers {
  private threads: SignatureThread[] = []
  private nextId = 0
  private idleTimer: NodeJS.Timeout | undefined
  private busy = 0
  private closed = false

  /** `size` worker threads beside the caller's (0: every check on the calling thread). */
  constructor(readonly size: number = defaultSignatureWorkers()) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`signature workers: expected a whole number >= 0, got ${size}`)
  }

  /** Whether batches are split at all (else {@link verifyAll} checks on the calling thread). */
  get parallel(): boolean {
    return this.size > 0 && !this.closed
  }

  /**
   * Checks every signature; one answer per check, in order. A worker that fails or stops has its
   * share checked here instead, so a crashed worker costs time, never a wrong answer.
   */
  async verifyAll(checks: readonly PayloadCheck[], options: { callerShare?: boolean } = {}): Promise<boolean[]> {
    if (!this.parallel || checks.length < MIN_PARALLEL_CHECKS) return checks.map((c) => verifySignature(c, c.payload))
    // Without a share here, the calling thread is free for other work (importing the blocks before these) meanwhile.
    const callerShares = options.callerShare === false ? 0 : 1
    this.busy++
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    try {
      this.warm()
      // Threads still loading take nothing: waiting for them would cost more than checking here.
      const ready = this.threads.filter((t) => t.ready)
      if (ready.length === 0) return checks.map((c) => verifySignature(c, c.payload))
      // Equal shares for the workers and this thread; this thread takes the first and checks it while the workers run.
      const shares = ready.length + callerShares
      const per = Math.ceil(checks.length / shares)
      const mineEnd = callerShares * per
      const jobs = ready.map((thread, i) => {
        const share = checks.slice(mineEnd + i * per, mineEnd + (i + 1) * per)
        if (share.length === 0) return Promise.resolve(new Uint8Array(0))
        return thread.run(this.nextId++, share).catch(() => Uint8Array.from(share, (c) => (verifySignature(c, c.payload) ? 1 : 0)))
      })
      const mine = checks.slice(0, mineEnd).map((c) => verifySignature(c, c.payload))
      const theirs = await Promise.all(jobs)
      return [...mine, ...theirs.flatMap((valid) => Array.from(valid, (v) => v === 1))]
    } finally {
      this.busy--
      this.scheduleIdleStop()
    }
  }

  /** Whether a thread can take a batch now (else {@link verifyAll} checks everything on the calling thread). */
  get ready(): boolean {
    return this.threads.some((t) => t.ready)
  }

  /** Starts the threads that are not running (they load in the background). */
  warm(): void {
    if (!this.parallel) return
    while (this.threads.length < this.size) this.threads.push(new SignatureThread((t) => this.forget(t)))
    this.scheduleIdleStop()
  }

  /** Stops the threads (a later batch starts them again unless closed). */
  async close(): Promise<void> {
    this.closed = true
    await this.stopThreads()
  }

  private forget(thread: SignatureThread): void {
    this.threads = this.threads.filter((t) => t !== thread)
  }

  private scheduleIdleStop(): void {
    if (this.busy > 0 || this.closed || this.threads.length === 0) return
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.busy === 0) void this.stopThreads()
    }, IDLE_STOP_MS)
    this.idleTimer.unref()
  }

  private async stopThreads(): Promise<void> {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    const threads = this.threads
    this.threads = []
    await Promise.all(threads.map((t) => t.stop()))
  }
}
