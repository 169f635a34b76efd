/**
 * States being served to state-syncing peers, kept from pruning while they are read. A download
 * of a mainnet-sized state takes longer than the pruning window lasts (15 GB at ~8 MB/s is half an
 * hour; 256 blocks of 6 s is 25 minutes), so without a pin the state would be pruned under the
 * download and the joiner would start again, forever. Every chunk served renews its state's lease.
 * A stranger can hold pruning back only within bounds: a pin lapses {@link STATE_PIN_LEASE_MS} after
 * its last chunk, at most {@link MAX_STATE_PINS} states are pinned (the least recently read goes
 * first), and a pin more than {@link MAX_STATE_PIN_LAG} blocks below the finalized block is ignored.
 */
import type { BlockRecord } from './interface.js'

/** A pin lapses this long after the last chunk read from its state (the joiner's request timeout and retries fit in it). */
export const STATE_PIN_LEASE_MS = 120_000
/** States pinned at once. */
export const MAX_STATE_PINS = 4
/** A pinned state further than this below the finalized block is pruned anyway (bounds the disk a pin can cost). */
export const MAX_STATE_PIN_LAG = 4096

export class StatePins {
  private readonly pins = new Map<string, { number: number; hash: Uint8Array; lastRead: number }>()

  constructor(private readonly clock: () => number) {}

  /** Pins `block`'s state, or renews its lease. */
  touch(block: BlockRecord): void {
    this.pins.delete(block.hashHex)
    this.pins.set(block.hashHex, { number: block.number, hash: block.hash, lastRead: this.clock() })
    // Map order is touch order: the first is the least recently read.
    if (this.pins.size > MAX_STATE_PINS) this.pins.delete(this.pins.keys().next().value!)
  }

  /**
   * The lowest block number whose state is pinned and may still hold pruning back (lease running,
   * canonical, within {@link MAX_STATE_PIN_LAG} of `finalized`), or undefined. Lapsed pins are dropped.
   */
  lowest(finalized: number, isCanonical: (number: number, hash: Uint8Array) => boolean): number | undefined {
    const now = this.clock()
    let lowest: number | undefined
    for (const [key, pin] of this.pins) {
      if (now - pin.lastRead > STATE_PIN_LEASE_MS || finalized - pin.number > MAX_STATE_PIN_LAG || !isCanonical(pin.number, pin.hash)) {
        this.pins.delete(key)
        continue
      }
      if (lowest === undefined || pin.number < lowest) lowest = pin.number
    }
    return lowest
  }
}
