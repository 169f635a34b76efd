/**
 * Fork choice: the longest chain wins; between heads of equal height, the one with the earlier
 * Aura slot (the block authored first), then the lower hash. The rule depends on the blocks only,
 * not on the order a node saw them in, so honest nodes holding the same blocks pick the same head
 * (the finality gadget prevotes for it too, so equal-length forks do not split the votes).
 */
import { findSlot } from '../primitives/aura.js'
import type { Header } from '../primitives/header.js'

/** What fork choice looks at in a block. */
export interface HeadCandidate {
  number: number
  hashHex: string
  header: Header
}

/** Negative when `a` is the better head, positive when `b` is, 0 for the same block. */
export function compareHeads(a: HeadCandidate, b: HeadCandidate): number {
  if (a.number !== b.number) return b.number - a.number
  const slotA = findSlot(a.header) ?? Number.MAX_SAFE_INTEGER
  const slotB = findSlot(b.header) ?? Number.MAX_SAFE_INTEGER
  if (slotA !== slotB) return slotA - slotB
  return a.hashHex < b.hashHex ? -1 : a.hashHex > b.hashHex ? 1 : 0
}

/** Whether `a` is a strictly better head than `b`. */
export const isBetterHead = (a: HeadCandidate, b: HeadCandidate): boolean => compareHeads(a, b) < 0
