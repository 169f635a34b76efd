import type { BlockSigner } from '../primitives/aura.js'
import type { AuthoritySet } from './authorities.js'
import type { BlockRecord } from './interface.js'
import type { BlockBytes } from './blocks/block-signatures.js'

/**
 * How blocks become final:
 * - `author`: single authority; when the authority builds a block its parent is final (today's dev
 *   chain; finality trails the head by one block, as GRANDPA's does).
 * - `external`: only {@link Chain.finalize} finalizes (the finality gadget drives it).
 */
export type FinalityMode = 'author' | 'external'

/** Options of {@link Chain.open}. */
export interface ChainInit {
  finality?: FinalityMode
  /** Who authors which slot; default the spec's genesis authorities. */
  authorities?: AuthoritySet
  /** How many slots an imported block may be ahead of this node's clock; default 1. */
  maxSlotDrift?: number
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number
  /**
   * On a pruned database (`ChainDatabase` opened with `state: 'pruned'`): how many finalized
   * blocks' states to keep (at least 1); default 256. An archive database keeps every state.
   */
  pruning?: number
  /**
   * Pruned databases: states are pruned once this many are due, so their deletions share database
   * pages (fewer page writes per block); up to `pruning + pruningBatch - 1` final states are kept.
   * Default 16; 1 prunes at every finality step.
   */
  pruningBatch?: number
  /**
   * Pruned databases: a finality step stops pruning states once they freed this many node
   * references (it always prunes at least one due state; the others follow in the next steps), so
   * states that changed much (blocks of full reports) do not make one block's commit seconds long.
   * Default 4096.
   */
  pruningNodeBudget?: number
  /**
   * Worker threads that check batches of transaction signatures beside the main thread (sync
   * responses, pushed transactions); default one per further core, at most 4; 0 checks everything
   * on the main thread.
   */
  signatureWorkers?: number
}

/** Options of {@link Chain.produceBlock}. */
export interface ProduceBlockOptions {
  /** Seal the block (Aura pre-runtime slot digest + seal); unsealed without it. */
  signer?: BlockSigner
  /** Build for this slot (the timestamp is moved into it); default the slot of the timestamp. */
  slot?: number
  /** Build on this block instead of the best block (tests: a second block for a slot, i.e. an equivocation). */
  parent?: BlockRecord
}

export const DEFAULT_FINALITY: FinalityMode = 'author'
export const DEFAULT_MAX_SLOT_DRIFT = 1

/** Options of {@link Chain.preverifyBlocks}. */
export interface PreverifyOptions {
  /** The run's blocks before these, not imported yet (their hashes are birth blocks of mortal transactions). */
  before?: readonly BlockBytes[]
  /**
   * Whether the calling thread checks a share too (default true). False leaves every check to the
   * workers, so the calling thread can import the blocks before these meanwhile.
   */
  callerShare?: boolean
}
