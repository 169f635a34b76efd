import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link ConsensusError}. */
export const ConsensusErrorCode = {
  /** A peer's message does not decode. */
  BAD_MESSAGE: 'CONSENSUS_ERROR_BAD_MESSAGE',
  /** A peer answered a sync request with an error or not at all. */
  SYNC_FAILED: 'CONSENSUS_ERROR_SYNC_FAILED',
  /** The libp2p host has no chain gossip service (build it with `consensusServices()`). */
  NO_GOSSIP: 'CONSENSUS_ERROR_NO_GOSSIP',
  /** The validator key is not one of the chain's authorities. */
  NOT_AN_AUTHORITY: 'CONSENSUS_ERROR_NOT_AN_AUTHORITY',
  /** A justification does not prove its block final (bad votes, too little weight, wrong set). */
  BAD_JUSTIFICATION: 'CONSENSUS_ERROR_BAD_JUSTIFICATION',
  /** A peer's message goes beyond the protocol's bounds (frames, bytes); the stream is aborted. */
  LIMIT_EXCEEDED: 'CONSENSUS_ERROR_LIMIT_EXCEEDED',
  /** A peer's state does not match its block's state root (the download is thrown away, the peer banned). */
  BAD_STATE: 'CONSENSUS_ERROR_BAD_STATE',
  /** A peer's finality proof (headers, justifications, authority proofs) does not prove its block final. */
  BAD_FINALITY_PROOF: 'CONSENSUS_ERROR_BAD_FINALITY_PROOF',
  /** A state download went beyond its byte bound before it ended (abandoned; nothing kept). */
  STATE_TOO_LARGE: 'CONSENSUS_ERROR_STATE_TOO_LARGE',
  /** A peer did not answer a sync request in time. */
  TIMEOUT: 'CONSENSUS_ERROR_TIMEOUT',
} as const

export type ConsensusErrorCode = (typeof ConsensusErrorCode)[keyof typeof ConsensusErrorCode]

export class ConsensusError extends CrustError {
  declare readonly code: ConsensusErrorCode

  constructor(code: ConsensusErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}
