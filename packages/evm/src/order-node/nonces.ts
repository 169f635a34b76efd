/**
 * The paying Crust account's nonces, handed out to every {@link OrderProcessor} of the process: one
 * allocator per sink (per account), so processors of several EVM chains never take the same nonce.
 * A nonce is taken before its record is written (`ordering`) and sent only after; one taken but
 * never recorded (an error in between) is given back and handed out again, leaving no gap that would
 * hold the account's later transactions in the pool.
 */
import type { CrustSink } from './seams.js'

export class NonceAllocator {
  private static readonly bySink = new WeakMap<CrustSink, NonceAllocator>()

  /** The allocator of this sink's account: the same object for every processor given the sink. */
  static of(sink: CrustSink): NonceAllocator {
    let allocator = NonceAllocator.bySink.get(sink)
    if (allocator === undefined) {
      allocator = new NonceAllocator(sink)
      NonceAllocator.bySink.set(sink, allocator)
    }
    return allocator
  }

  /** Above every nonce handed out in this process (the pool's count misses ones recorded but not sent yet). */
  private next = 0
  /** Nonces that belong to a record (handed out here, or recorded before a restart): never handed out again. */
  private readonly held = new Set<number>()
  /** Nonces handed out but given back unrecorded: handed out first. */
  private readonly returned = new Set<number>()

  constructor(private readonly sink: Pick<CrustSink, 'nextNonce'>) {}

  /** Marks nonces recorded on `ordering` records (a previous run's): a fresh order never takes them. */
  hold(nonces: Iterable<number>): void {
    for (const n of nonces) this.held.add(n)
  }

  /**
   * A nonce no other order of this process has: the lowest one given back, else the account's next
   * (counting the pool) or the next after those handed out here, whichever is higher.
   */
  async take(): Promise<number> {
    const base = await this.sink.nextNonce()
    // From here to the return nothing awaits: concurrent takes cannot see the same state.
    for (const n of this.held) if (n < base) this.held.delete(n)
    const usable = [...this.returned].filter((n) => n >= base && !this.held.has(n)).sort((a, b) => a - b)
    this.returned.clear()
    let nonce = usable.shift()
    for (const n of usable) this.returned.add(n)
    if (nonce === undefined) {
      nonce = Math.max(base, this.next)
      while (this.held.has(nonce)) nonce++
      this.next = nonce + 1
    }
    this.held.add(nonce)
    return nonce
  }

  /** Gives back a nonce taken but never recorded (no record names it, nothing was sent with it). */
  give(nonce: number): void {
    this.held.delete(nonce)
    this.returned.add(nonce)
  }
}
