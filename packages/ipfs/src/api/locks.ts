/**
 * Kubo's GC lock: adds and pins hold the shared "pin lock" while they write blocks and pin the
 * result, `repo/gc` takes it exclusively, so a collection never deletes the blocks of an add that
 * is still running. Writers wait for readers to drain and block new readers while they wait.
 */
export class GcLock {
  /**
   * @param nodeShared the node's own shared pin lock (`IpfsNode.withPinLock`): holding it too keeps
   * a garbage collection started outside this API (the node's `gc`) from deleting an add in flight.
   */
  constructor(private readonly nodeShared?: <T>(fn: () => Promise<T>) => Promise<T>) {}

  private readers = 0
  private writer = false
  private readonly waitingWriters: Array<() => void> = []
  private readonly waitingReaders: Array<() => void> = []

  /** Shared lock (add, pin add, block put with pin, dag import), here and on the node. Returns the release function. */
  async pinLock(): Promise<() => void> {
    const releaseLocal = await this.localPinLock()
    if (this.nodeShared === undefined) return releaseLocal
    const held = Promise.withResolvers<void>()
    const acquired = Promise.withResolvers<void>()
    const done = this.nodeShared(async () => {
      acquired.resolve()
      await held.promise
    })
    done.catch(() => {})
    await acquired.promise
    let released = false
    return () => {
      if (released) return
      released = true
      held.resolve()
      releaseLocal()
    }
  }

  private async localPinLock(): Promise<() => void> {
    if (this.writer || this.waitingWriters.length > 0) {
      // granted by dispatch(), which counts the reader before waking it
      await new Promise<void>((resolve) => this.waitingReaders.push(resolve))
    } else {
      this.readers++
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.readers--
      this.dispatch()
    }
  }

  /** Exclusive lock (repo/gc). Returns the release function. */
  async gcLock(): Promise<() => void> {
    if (this.writer || this.readers > 0) {
      await new Promise<void>((resolve) => this.waitingWriters.push(resolve))
    } else {
      this.writer = true
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.writer = false
      this.dispatch()
    }
  }

  private dispatch(): void {
    if (this.writer) return
    if (this.readers === 0 && this.waitingWriters.length > 0) {
      this.writer = true
      this.waitingWriters.shift()!()
      return
    }
    if (this.waitingWriters.length === 0) {
      for (const wake of this.waitingReaders.splice(0)) {
        this.readers++
        wake()
      }
    }
  }
}
