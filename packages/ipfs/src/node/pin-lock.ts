import { AsyncLocalStorage } from 'node:async_hooks'
import { iterateWithin } from '../store/index.js'
import { IpfsNodeError, IpfsNodeErrorCode } from './errors.js'

interface Waiter {
  exclusive: boolean
  grant: () => void
}

/**
 * The node's GC rule (Kubo's): garbage collection takes this lock exclusively; adding content and
 * pinning it hold it shared for the whole operation, from the first block written until the pin
 * is recorded. So GC never sees a DAG that is written but not yet pinned, and a pin never walks a
 * DAG while GC deletes parts of it. Writers are preferred (a waiting GC holds back new adds, so it
 * is not starved). Shared holds are re-entrant within one async call chain (tracked with
 * AsyncLocalStorage), so an add that pins inside `withShared` does not wait for itself.
 */
export class PinLock {
  private readers = 0
  private writer = false
  private readonly queue: Waiter[] = []
  private readonly held = new AsyncLocalStorage<boolean>()

  /** Runs `fn` holding the lock shared (adds and pins). */
  async withShared<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held.getStore() === true) return fn()
    await this.acquire(false)
    try {
      return await this.held.run(true, fn)
    } finally {
      this.release(false)
    }
  }

  /**
   * Runs `fn` holding the lock exclusively (GC). Throws {@link IpfsNodeError}
   * `IPFS_ERROR_LOCK_ORDER` if called while holding it shared (that would wait forever).
   */
  async withExclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held.getStore() === true) {
      throw new IpfsNodeError({ code: IpfsNodeErrorCode.LOCK_ORDER }, 'garbage collection cannot run inside withPinLock')
    }
    await this.acquire(true)
    try {
      return await this.held.run(true, fn)
    } finally {
      this.release(true)
    }
  }

  /**
   * Iterates `make()` holding the lock shared: acquired before the first step, released when the
   * iteration ends, fails or is abandoned.
   */
  async *iterateShared<T>(make: () => AsyncIterable<T>): AsyncGenerator<T> {
    const nested = this.held.getStore() === true
    if (!nested) await this.acquire(false)
    try {
      yield* iterateWithin((fn) => this.held.run(true, fn), make)
    } finally {
      if (!nested) this.release(false)
    }
  }

  /** Number of exclusive (GC) requests waiting. */
  get pendingExclusive(): number {
    return this.queue.filter((w) => w.exclusive).length
  }

  /** Number of shared holders right now. */
  get sharedHolders(): number {
    return this.readers
  }

  private acquire(exclusive: boolean): Promise<void> {
    const free = exclusive ? !this.writer && this.readers === 0 && this.queue.length === 0 : !this.writer && this.queue.length === 0
    if (free) {
      this.take(exclusive)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.queue.push({ exclusive, grant: resolve })
    })
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.writer = true
    else this.readers++
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.writer = false
    else this.readers--
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!
      if (next.exclusive && this.readers > 0) break
      this.queue.shift()
      this.take(next.exclusive)
      next.grant()
      if (next.exclusive) break
    }
  }
}
