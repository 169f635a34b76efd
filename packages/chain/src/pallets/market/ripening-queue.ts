/**
 * Queueing files to ripen: a replica added at block `n` is credited with the file size until
 * SpowerReadyPeriod has passed, then the sweep (spower-superior.ts) gives it the file's spower.
 * The queue is paged per block (`RipeningCount`, `RipeningPages`).
 */
import type { StorageAccess } from '../../frame/storage.js'
import { appendToPages, appendToVec } from '../../frame/vec-append.js'
import { RIPENING_PAGE, RipeningCount, RipeningCursor, RipeningPages } from './storage.js'
import { merkleRoot } from './types.js'

/** Queues `cid` to be ripened once a replica added at block `createdAt` is ready. */
export function queueRipening(state: StorageAccess, cid: Uint8Array, createdAt: number): void {
  const cursor = RipeningCursor.get(state)
  const slot = Math.max(createdAt, cursor)
  // Appended to the block's last page as bytes: a block's queue holds every replica its reports
  // added (thousands), so copying the whole list per append was quadratic in them.
  const queued = RipeningCount.get(state, slot)
  appendToVec(state, RipeningPages.key(slot, Math.floor(queued / RIPENING_PAGE)), merkleRoot, cid)
  RipeningCount.insert(state, slot, queued + 1)
}

/** A file to queue and the block its replica was added at. */
export interface RipeningEntry {
  cid: Uint8Array
  createdAt: number
}

/**
 * {@link queueRipening} for each entry in order, with each touched page and count written once (the
 * same bytes): a work report queues up to 300 files. Entries are grouped by the slot they land in,
 * keeping their order within it.
 */
export function queueRipenings(state: StorageAccess, entries: readonly RipeningEntry[]): void {
  const cursor = RipeningCursor.get(state)
  const bySlot = new Map<number, Uint8Array[]>()
  for (const { cid, createdAt } of entries) {
    const slot = Math.max(createdAt, cursor)
    const cids = bySlot.get(slot)
    if (cids === undefined) bySlot.set(slot, [cid])
    else cids.push(cid)
  }
  for (const [slot, cids] of bySlot) {
    const queued = RipeningCount.get(state, slot)
    appendToPages(state, (page) => RipeningPages.key(slot, page), RIPENING_PAGE, queued, merkleRoot, cids)
    RipeningCount.insert(state, slot, queued + cids.length)
  }
}
