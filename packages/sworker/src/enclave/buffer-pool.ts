/**
 * Reusable ArrayBuffers for moving blocks to and from seal worker threads: a buffer goes to a
 * worker and comes back (transferred, not copied), and is taken again for the next block, so
 * sealing a large file does not allocate (and garbage-collect) a few buffers per block.
 */

/** Buffers smaller than this are allocated each time (inner DAG nodes are small). */
const MIN_POOLED = 16 * 1024
/** Allocations are rounded up to this, so blocks of nearly the same size share buffers. */
const GRANULE = 64 * 1024

export class BufferPool {
  private readonly free: ArrayBuffer[] = []
  private readonly maxFree: number

  constructor(maxFree: number) {
    this.maxFree = maxFree
  }

  /** A buffer of at least `length` bytes (at most twice that when it comes from the pool). */
  take(length: number): ArrayBuffer {
    if (length >= MIN_POOLED) {
      for (let i = this.free.length - 1; i >= 0; i--) {
        const buffer = this.free[i]!
        if (buffer.byteLength >= length && buffer.byteLength <= 2 * length) {
          this.free[i] = this.free[this.free.length - 1]!
          this.free.pop()
          return buffer
        }
      }
      return new ArrayBuffer(Math.ceil(length / GRANULE) * GRANULE)
    }
    return new ArrayBuffer(length)
  }

  /** Gives `buffer` back for reuse; nobody may use it afterwards. */
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength < MIN_POOLED || buffer.detached) return
    if (this.free.length < this.maxFree) this.free.push(buffer)
  }
}
