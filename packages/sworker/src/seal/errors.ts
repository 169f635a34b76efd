import { CrustError } from '@crust-ts/base'

/** Codes of {@link SealError}. */
export const SealErrorCode = {
  /** A block's bytes do not hash to its CID. */
  BLOCK_MISMATCH: 'SWORKER_ERROR_SEAL_BLOCK_MISMATCH',
  /** A block uses a codec or hash the sealer cannot walk or verify. */
  UNSUPPORTED_BLOCK: 'SWORKER_ERROR_SEAL_UNSUPPORTED_BLOCK',
  /** The same file is being sealed already. */
  IN_PROGRESS: 'SWORKER_ERROR_SEAL_IN_PROGRESS',
  /** The file is not sealed (or not valid) here. */
  NOT_FOUND: 'SWORKER_ERROR_SEAL_NOT_FOUND',
  /** A sealed block is missing or does not unseal to its CID. */
  SEALED_BLOCK_BAD: 'SWORKER_ERROR_SEALED_BLOCK_BAD',
  /** The block source could not give a block. */
  SOURCE_FAILED: 'SWORKER_ERROR_SEAL_SOURCE_FAILED',
  /** The file was sealed before storage proofs were kept: it has no content tree. */
  NO_PROOF_DATA: 'SWORKER_ERROR_SEAL_NO_PROOF_DATA',
  /** A proof was asked for a segment the file's content does not have. */
  SEGMENT_OUT_OF_RANGE: 'SWORKER_ERROR_SEAL_SEGMENT_OUT_OF_RANGE',
  /** The caller's signal aborted the operation. */
  ABORTED: 'SWORKER_ERROR_SEAL_ABORTED',
} as const

/** Thrown by the sealer: see {@link SealErrorCode} for when. */
export class SealError extends CrustError {}
