/** Database meta keys of the best, finalized and genesis block hashes. */
export const META_BEST = 'best'
export const META_FINALIZED = 'finalized'
export const META_GENESIS = 'genesis'
/** Database meta key: the lowest block number whose state may still be kept (u32 BE; absent: 0). */
export const META_STATE_FROM = 'stateFrom'

/** How many recent slots the chain remembers the authored block of, to detect equivocations. */
export const SLOT_CACHE = 256
/** How many recently imported non-best blocks the chain keeps, for the `block` events of a later reorg. */
export const RECENT_IMPORTS = 512
/** Decoded headers kept in memory (cleared when full). */
export const HEADER_CACHE = 4096
/** Trie nodes kept in memory. */
export const TRIE_CACHE = 50_000
export { DEFAULT_STATE_PRUNING } from '../constants.js'
/**
 * At most this many blocks' states are pruned by one finality step, so lowering the window of a
 * long chain spreads its pruning over the following blocks instead of one long transaction.
 */
export const MAX_PRUNED_PER_STEP = 64
/**
 * Default {@link ChainInit.pruningNodeBudget}: a finality step stops pruning states once they freed
 * this many node references (at least one state a step). At 10 million files a batch of 16 states
 * holding three blocks of full reports released ~25,000 nodes in one block's commit (4.6 s); the
 * rest of a batch follows in the next steps.
 */
export const DEFAULT_PRUNING_NODE_BUDGET = 4096
/** Default {@link ChainInit.pruningBatch}: states are pruned 16 at a time. */
export const DEFAULT_PRUNING_BATCH = 16
