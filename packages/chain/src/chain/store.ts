/**
 * Writes to the chain: a new block (header, body, trie nodes, best pointer, canonical index changes
 * of a reorg, and in `author` finality the parent's finality) and finality (finalized pointer,
 * justification, the reorg onto the finalized block's chain), each in one atomic database write,
 * then the tree's pointers and the events.
 */
import { u8aToHex } from '@polkadot/util'
import type { CanonicalUpdate } from '../db/index.js'
import { decodeExtrinsic } from '../frame/extrinsic.js'
import { encodeBody } from '../primitives/header.js'
import type { Runtime } from '../runtime/runtime.js'
import type { BlockTree } from './block-tree.js'
import { META_BEST, META_FINALIZED, RECENT_IMPORTS } from './constants.js'
import { FinalityError, FinalityErrorCode } from './errors.js'
import { isBetterHead } from './fork-choice.js'
import type { BlockRecord, EmitChainEvent, ImportedBlock, Reorg, TrieNodes } from './interface.js'
import type { FinalityMode } from './options.js'
import { type PlannedPrune, type PruneLimits, planPrune } from './state-pruning.js'

/** A block's state change: the trie nodes it inserted and the hashes of those its parent's state held and it does not. */
export interface StateChange {
  nodes: TrieNodes
  deleted: readonly Uint8Array[]
}

export class ChainStore {
  /** Recently imported blocks that did not become best, for the `block` events of a later reorg. */
  private readonly recent = new Map<string, ImportedBlock>()

  constructor(
    private readonly tree: BlockTree,
    private readonly runtime: Runtime,
    private readonly finality: FinalityMode,
    /** Pruned databases: states of `keep` finalized blocks are kept, pruned `batch` at a time, up to `nodeBudget` references freed a step. */
    private readonly pruning: PruneLimits,
    private readonly emit: EmitChainEvent,
  ) {}

  /**
   * Writes a new block (one transaction: with its state journal and, in `author` finality, the
   * parent's finality and the pruning it allows), updates fork choice and emits the events.
   * Returns whether it became best.
   */
  storeBlock(imported: ImportedBlock, headerBytes: Uint8Array, state: StateChange, parent: BlockRecord): boolean {
    const { tree } = this
    const { block } = imported
    const best = isBetterHead(block, tree.best)
    const extends_ = parent.hashHex === tree.best.hashHex
    let reorg: Reorg | undefined
    let update: CanonicalUpdate | undefined
    if (best && !extends_) {
      const route = tree.routeTo(parent)
      reorg = { retracted: tree.retractedAbove(route.forkNumber), enacted: [...route.enacted, block] }
      update = { set: route.enacted.map((b) => [b.number, b.hash] as const) }
    }
    const meta: Record<string, Uint8Array> = {}
    if (best) meta[META_BEST] = block.hash
    const finalizeParent = this.finality === 'author' && best && extends_ && tree.finalized.hashHex !== parent.hashHex
    if (finalizeParent) meta[META_FINALIZED] = parent.hash
    const prune = finalizeParent ? this.planPrune(parent) : undefined
    tree.db.commitBlock({
      block: { hash: block.hash, number: block.number, header: headerBytes, body: encodeBody(imported.extrinsics) },
      nodes: state.nodes,
      deleted: state.deleted,
      canonical: best,
      meta: { ...meta, ...prune?.meta },
      ...(update === undefined ? {} : { reorg: update }),
      ...(prune === undefined ? {} : { prune: prune.step }),
    })
    if (prune !== undefined) tree.stateFrom = prune.stateFrom
    tree.leaves.delete(parent.hashHex)
    tree.leaves.set(block.hashHex, block)
    if (!best) {
      this.remember(imported)
      return false
    }
    tree.best = block
    if (finalizeParent) tree.finalized = parent
    if (reorg !== undefined) {
      this.emit('reorg', reorg)
      for (const b of reorg.enacted.slice(0, -1)) this.emit('block', this.recalled(b))
    }
    this.emit('block', imported)
    if (finalizeParent) this.emit('finalized', parent)
    return true
  }

  /**
   * Finalizes `hash` (and its ancestors). Never reverts a finalized block: `hash` must descend from
   * the last finalized block (finalizing an ancestor of it is a no-op). If `hash` is off the best
   * chain, the best chain becomes the longest one containing it. `justification` is stored with the
   * block in the same write. Throws {@link FinalityError}.
   */
  finalize(hash: Uint8Array, justification?: Uint8Array, authorityProofs: ReadonlyArray<readonly [Uint8Array, Uint8Array]> = []): void {
    const { tree } = this
    const block = tree.blockByHash(hash)
    if (block === undefined) throw new FinalityError(FinalityErrorCode.UNKNOWN_BLOCK, `unknown block ${u8aToHex(hash)}`)
    const finalized = tree.finalized
    if (block.number <= finalized.number) {
      if (tree.descendsFrom(finalized, block)) return
      throw new FinalityError(FinalityErrorCode.CONFLICT, `block ${block.hashHex} conflicts with the finalized block ${finalized.hashHex}`)
    }
    if (!tree.descendsFrom(block, finalized)) {
      throw new FinalityError(FinalityErrorCode.CONFLICT, `block ${block.hashHex} does not descend from the finalized block ${finalized.hashHex}`)
    }
    const meta: Record<string, Uint8Array> = { [META_FINALIZED]: block.hash }
    let reorg: Reorg | undefined
    let update: CanonicalUpdate | undefined
    let newBest = tree.best
    if (!tree.isCanonical(block)) {
      newBest = tree.bestContaining(block)
      const route = tree.routeTo(newBest)
      reorg = { retracted: tree.retractedAbove(route.forkNumber), enacted: route.enacted }
      const remove: number[] = []
      for (let n = newBest.number + 1; n <= tree.best.number; n++) remove.push(n)
      update = { set: route.enacted.map((b) => [b.number, b.hash] as const), remove }
      meta[META_BEST] = newBest.hash
    }
    const prune = this.planPrune(block)
    tree.db.commitHead({
      meta: { ...meta, ...prune?.meta },
      ...(update === undefined ? {} : { reorg: update }),
      ...(justification === undefined ? {} : { justifications: [[block.hash, justification] as const] }),
      ...(authorityProofs.length === 0 ? {} : { authorityProofs }),
      ...(prune === undefined ? {} : { prune: prune.step }),
    })
    if (prune !== undefined) tree.stateFrom = prune.stateFrom
    tree.finalized = block
    tree.best = newBest
    for (const [hex, leaf] of tree.leaves) if (!tree.descendsFrom(leaf, block)) tree.leaves.delete(hex)
    tree.leaves.set(newBest.hashHex, newBest)
    if (reorg !== undefined) {
      this.emit('reorg', reorg)
      for (const b of reorg.enacted) this.emit('block', this.recalled(b))
    }
    this.emit('finalized', block)
  }

  /** The pruning that finalizing `block` allows (pruned databases only). */
  private planPrune(block: BlockRecord): PlannedPrune | undefined {
    if (this.tree.db.stateMode !== 'pruned') return undefined
    return planPrune(this.tree, this.tree.finalized, block, this.pruning)
  }

  private remember(imported: ImportedBlock): void {
    if (this.recent.size >= RECENT_IMPORTS) this.recent.delete(this.recent.keys().next().value!)
    this.recent.set(imported.block.hashHex, imported)
  }

  /** An enacted block's import record (from memory, or rebuilt from the database without its changed keys). */
  private recalled(block: BlockRecord): ImportedBlock {
    const kept = this.recent.get(block.hashHex)
    if (kept !== undefined) return kept
    const extrinsics = this.tree.extrinsicsOf(block.hash) ?? []
    const applied: ImportedBlock['applied'] = []
    for (const bytes of extrinsics.slice(1)) {
      try {
        applied.push({ xt: decodeExtrinsic(this.runtime, bytes), outcome: { included: true, success: true } })
      } catch {
        // imported blocks' extrinsics decode; nothing to report otherwise
      }
    }
    return { block, extrinsics, changedKeys: new Set(), applied }
  }
}
