import type { SegmentProofAnswer } from '../chain/index.js'

/** The answer to a challenge the sWorker cannot prove: it fails that one challenge, not the whole slot's set. */
export const EMPTY_PROOF: SegmentProofAnswer = { segment: '0x', path: [] }
/** Files one `challenges.declare_lost_files` may name (the chain's MAX_DECLARED_FILES). */
export const MAX_DECLARED_FILES = 300
/** Held files checked for a missing root per housekeeping round (one chain read each, a submission at most). */
export const MAX_ROOTS_PER_ROUND = 20
