/**
 * The header checks a block passes before its body is looked at, shared by block import and by
 * headers-first sync: it links to its parent with the next number, carries an Aura slot after the
 * parent's (and not ahead of the clock), and is sealed by the slot's author among the authorities
 * for blocks on the parent. Each throws {@link BlockImportError} with its code's fields.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import { findSlot, slotAuthor, unsealHeader, verifySeal } from '../../primitives/aura.js'
import type { Header } from '../../primitives/header.js'
import { type BlockId, BlockImportError, BlockImportErrorCode as Code } from '../errors.js'

/** What the checks need of a parent: its hash and number. */
export interface HeaderParent {
  hash: Uint8Array
  number: number
}

/**
 * `header` (the block `id`) is `parent`'s child: the next number ({@link Code.BAD_NUMBER}), then
 * the parent's hash ({@link Code.UNKNOWN_PARENT}).
 */
export function checkHeaderLink(header: Header, id: BlockId, parent: HeaderParent): void {
  if (header.number !== parent.number + 1) throw new BlockImportError({ code: Code.BAD_NUMBER, ...id }, `number ${header.number} after parent ${parent.number}`)
  if (!u8aEq(header.parentHash, parent.hash))
    throw new BlockImportError({ code: Code.UNKNOWN_PARENT, ...id, parent: u8aToHex(header.parentHash) }, 'unknown parent block')
}

/**
 * The header's Aura slot ({@link Code.NO_SLOT} without one), after `parentSlot` when the parent has
 * one ({@link Code.SLOT_NOT_INCREASING}).
 */
export function checkSlot(header: Header, id: BlockId, parentSlot: number | undefined): number {
  const slot = findSlot(header)
  if (slot === undefined) throw new BlockImportError({ code: Code.NO_SLOT, ...id }, 'no Aura slot digest')
  if (parentSlot !== undefined && slot <= parentSlot) {
    throw new BlockImportError({ code: Code.SLOT_NOT_INCREASING, ...id, slot, parentSlot }, `slot ${slot} is not after the parent's slot ${parentSlot}`)
  }
  return slot
}

/** `slot` is at most `maxSlotDrift` slots ahead of `currentSlot` ({@link Code.FUTURE_SLOT}). */
export function checkSlotNotFuture(slot: number, id: BlockId, currentSlot: number, maxSlotDrift: number): void {
  if (slot > currentSlot + maxSlotDrift) {
    throw new BlockImportError({ code: Code.FUTURE_SLOT, ...id, slot, currentSlot }, `slot ${slot} is in the future (now ${currentSlot})`)
  }
}

/**
 * The header's last digest item is an Aura seal ({@link Code.NO_SEAL}) by the author of `slot`
 * among `authorities` (the set for blocks on the parent): {@link Code.WRONG_AUTHOR} when another of
 * them sealed it, {@link Code.BAD_SEAL} when none did. Returns the author. Throws `RangeError` for
 * an empty authority set.
 */
export function checkSeal(header: Header, id: BlockId, slot: number, authorities: readonly Uint8Array[]): Uint8Array {
  const sealed = unsealHeader(header)
  if (sealed === undefined) throw new BlockImportError({ code: Code.NO_SEAL, ...id }, 'no Aura seal as the last digest item')
  const author = slotAuthor(slot, authorities)
  if (!verifySeal(sealed.preHeader, sealed.signature, author)) {
    const other = authorities.find((a) => !u8aEq(a, author) && verifySeal(sealed.preHeader, sealed.signature, a))
    if (other !== undefined) {
      throw new BlockImportError(
        { code: Code.WRONG_AUTHOR, ...id, slot, author: u8aToHex(author) },
        `sealed by ${u8aToHex(other)}, not by slot ${slot}'s author`,
      )
    }
    throw new BlockImportError({ code: Code.BAD_SEAL, ...id, slot, author: u8aToHex(author) }, `the seal is not slot ${slot}'s author's signature`)
  }
  return author
}
