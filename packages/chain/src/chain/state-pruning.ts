/**
 * State pruning decisions: which states a finality step keeps, discards and prunes. The database
 * applies them (`db/state-journal.ts`) in the same transaction as the finality write, so a crash
 * leaves either the old finalized block with its states or the new one with its pruning done.
 *
 * A pruned node keeps the states of the last `keep` finalized blocks and of every non-final block
 * descending from the finalized one; forks finality rules out lose their states at once.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import type { StatePruneStep } from '../db/index.js'
import type { BlockTree } from './block-tree.js'
import { MAX_PRUNED_PER_STEP, META_STATE_FROM } from './constants.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { BlockRecord } from './interface.js'

/** A finality step's pruning and the meta entry recording the new window start. */
export interface PlannedPrune {
  step: StatePruneStep
  /** The lowest block number whose state is kept after the step. */
  stateFrom: number
  meta: Record<string, Uint8Array>
}

export function encodeStateFrom(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

export function decodeStateFrom(bytes: Uint8Array | undefined): number {
  return bytes === undefined ? 0 : new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
}

/** How a pruned database keeps and prunes final states. */
export interface PruneLimits {
  /** States of this many finalized blocks are kept. */
  keep: number
  /** Pruning waits until this many states are due. */
  batch: number
  /** A step stops once the states it pruned freed this many node references (at least one state a step). */
  nodeBudget: number
  /** The lowest block whose state is pinned (being served to a syncing peer): no state from it up is pruned. */
  lowestPinned?: () => number | undefined
}

/**
 * Plans the pruning of finality moving from `from` to `to` (a descendant of it): journaled blocks
 * on `to`'s chain become final, the others at or below `to` and those above it that do not descend
 * from it are discarded, and the states below the window of `keep` blocks ending at `to` are pruned
 * once at least `batch` of them are due (so up to `keep + batch - 1` final states are kept), in
 * order, until they freed `nodeBudget` references; the rest are pruned by the next steps.
 */
export function planPrune(tree: BlockTree, from: BlockRecord, to: BlockRecord, limits: PruneLimits): PlannedPrune {
  const { keep, batch, nodeBudget } = limits
  const pinned = limits.lowestPinned?.() ?? Number.POSITIVE_INFINITY
  // The blocks `from` (exclusive) .. `to` (inclusive), by number: the newly final chain.
  const finalHashes = new Map<number, Uint8Array>()
  for (let cur: BlockRecord | undefined = to; cur !== undefined && cur.number > from.number; cur = tree.blockByHash(cur.header.parentHash)) {
    finalHashes.set(cur.number, cur.hash)
  }
  const finalHashAt = (n: number): Uint8Array | undefined => finalHashes.get(n) ?? (n <= from.number ? tree.db.getCanonicalHash(n) : undefined)

  const canonicalized: Array<readonly [number, Uint8Array]> = []
  const discarded: Array<readonly [number, Uint8Array]> = []
  const descends = new Map<string, boolean>([[to.hashHex, true]])
  const descendsFromTo = (hash: Uint8Array): boolean => {
    const path: string[] = []
    let verdict = false
    for (let cur = tree.blockByHash(hash); cur !== undefined; cur = tree.blockByHash(cur.header.parentHash)) {
      const known = descends.get(cur.hashHex)
      if (known !== undefined) {
        verdict = known
        break
      }
      if (cur.number <= to.number) break
      path.push(cur.hashHex)
    }
    for (const hex of path) descends.set(hex, verdict)
    return verdict
  }
  for (const block of tree.db.journaledBlocks()) {
    const [number, hash] = block
    if (number <= to.number) {
      const final = finalHashAt(number)
      if (final !== undefined && u8aEq(final, hash)) canonicalized.push(block)
      else discarded.push(block)
    } else if (!descendsFromTo(hash)) {
      discarded.push(block)
    }
  }

  const pruned: Array<readonly [number, Uint8Array]> = []
  const window = Math.max(0, to.number - keep + 1)
  // Pruning waits until `batch` states are due: their deletions then share B-tree pages.
  const due = window - tree.stateFrom >= batch ? window : tree.stateFrom
  let stateFrom = tree.stateFrom
  let freed = 0
  // Discarding the state of block n frees what block n + 1 deleted from it.
  for (let n = tree.stateFrom; n < Math.min(due, tree.stateFrom + MAX_PRUNED_PER_STEP, pinned); n++) {
    const child = finalHashAt(n + 1)
    if (child === undefined) throw new ChainError(ChainErrorCode.CORRUPT, `no final block at ${n + 1} below the finalized ${u8aToHex(to.hash)}`)
    const releases = tree.db.journaledDeletions([n + 1, child])
    if (pruned.length > 0 && freed + releases > nodeBudget) break
    pruned.push([n + 1, child])
    freed += releases
    stateFrom = n + 1
  }
  const meta: Record<string, Uint8Array> = stateFrom > tree.stateFrom ? { [META_STATE_FROM]: encodeStateFrom(stateFrom) } : {}
  return { step: { canonicalized, discarded, pruned }, stateFrom: Math.max(stateFrom, tree.stateFrom), meta }
}
