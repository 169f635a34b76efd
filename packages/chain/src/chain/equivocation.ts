/**
 * Block equivocation detection: the first sealed block of each recent slot (its author and header
 * bytes); a second one by the same author (another hash) is an equivocation. Evidence needs only
 * valid seals, so import notes a block before executing its body.
 */
import { u8aEq } from '@polkadot/util'
import { SLOT_CACHE } from './constants.js'
import type { BlockEquivocation } from './interface.js'

export class SlotRecord {
  /** Recent slots: the first sealed block seen for each (its author and header bytes). */
  private readonly slotBlocks = new Map<number, { author: Uint8Array; hashHex: string; headerBytes: Uint8Array }>()

  /** Remembers the first sealed block of `slot`; returns the evidence when this one equivocates. */
  note(slot: number, author: Uint8Array, hashHex: string, headerBytes: Uint8Array): BlockEquivocation | undefined {
    const seen = this.slotBlocks.get(slot)
    if (seen === undefined) {
      if (this.slotBlocks.size >= SLOT_CACHE) this.slotBlocks.delete(this.slotBlocks.keys().next().value!)
      this.slotBlocks.set(slot, { author, hashHex, headerBytes })
      return undefined
    }
    if (seen.hashHex === hashHex || !u8aEq(seen.author, author)) return undefined
    return { slot, author, first: seen.headerBytes, second: headerBytes }
  }
}
