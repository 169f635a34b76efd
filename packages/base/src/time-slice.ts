/**
 * Gives the event loop a turn in a long run of synchronous steps (a sync importing hundreds of
 * blocks), once the run has held it for a slice. Awaiting a promise that has already settled is a
 * microtask, which runs before any timer, socket read or RPC request: a loop that only awaits such
 * promises holds the process for its whole length (at 10 M files, 128 blocks of a catch-up took
 * 79 s, and the node answered no RPC request in that time).
 */
export class TimeSlice {
  private started = performance.now()

  /** @param sliceMs how long a run may hold the event loop before {@link pause} gives it a turn */
  constructor(private readonly sliceMs = 50) {}

  /** Resolves at once while the slice lasts; once it is over, after the event loop's next turn (starting a new slice). */
  async pause(): Promise<void> {
    if (performance.now() - this.started < this.sliceMs) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.started = performance.now()
  }
}
