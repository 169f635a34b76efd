import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link BlockImportError}. */
export const BlockImportErrorCode = {
  /** The header or body bytes do not decode. */
  BAD_ENCODING: 'BLOCK_IMPORT_ERROR_BAD_ENCODING',
  /** The parent block is not known (fetch the ancestors first). */
  UNKNOWN_PARENT: 'BLOCK_IMPORT_ERROR_UNKNOWN_PARENT',
  /** The number is not the parent's plus one. */
  BAD_NUMBER: 'BLOCK_IMPORT_ERROR_BAD_NUMBER',
  /** The block is not on a chain that contains the last finalized block. */
  NOT_DESCENDANT_OF_FINALIZED: 'BLOCK_IMPORT_ERROR_NOT_DESCENDANT_OF_FINALIZED',
  /** No Aura pre-runtime digest (slot). */
  NO_SLOT: 'BLOCK_IMPORT_ERROR_NO_SLOT',
  /** The slot is not after the parent's slot. */
  SLOT_NOT_INCREASING: 'BLOCK_IMPORT_ERROR_SLOT_NOT_INCREASING',
  /** The slot lies in the future of this node's clock. */
  FUTURE_SLOT: 'BLOCK_IMPORT_ERROR_FUTURE_SLOT',
  /** No Aura seal as the last digest item. */
  NO_SEAL: 'BLOCK_IMPORT_ERROR_NO_SEAL',
  /** The seal is another authority's: not this slot's author. */
  WRONG_AUTHOR: 'BLOCK_IMPORT_ERROR_WRONG_AUTHOR',
  /** The seal is not a valid signature of the slot's author. */
  BAD_SEAL: 'BLOCK_IMPORT_ERROR_BAD_SEAL',
  /** The timestamp inherent is missing, malformed, failing, or not in the header's slot. */
  BAD_TIMESTAMP: 'BLOCK_IMPORT_ERROR_BAD_TIMESTAMP',
  /** An extrinsic is malformed, badly signed, or could not be applied. */
  BAD_EXTRINSIC: 'BLOCK_IMPORT_ERROR_BAD_EXTRINSIC',
  /** The header's extrinsics root does not commit to the body. */
  EXTRINSICS_ROOT_MISMATCH: 'BLOCK_IMPORT_ERROR_EXTRINSICS_ROOT_MISMATCH',
  /** Executing the block gives another state root than the header's. */
  STATE_ROOT_MISMATCH: 'BLOCK_IMPORT_ERROR_STATE_ROOT_MISMATCH',
} as const

export type BlockImportErrorCode = (typeof BlockImportErrorCode)[keyof typeof BlockImportErrorCode]

/** A block that cannot be imported. See {@link BlockImportError.invalid}. */
export class BlockImportError extends CrustError {
  declare readonly code: BlockImportErrorCode

  constructor(code: BlockImportErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }

  /** Whether the sender of this block deserves a penalty (the block is invalid, not just early or orphaned). */
  get invalid(): boolean {
    return (
      this.code !== BlockImportErrorCode.UNKNOWN_PARENT &&
      this.code !== BlockImportErrorCode.FUTURE_SLOT &&
      this.code !== BlockImportErrorCode.NOT_DESCENDANT_OF_FINALIZED
    )
  }
}

/** A finality request that would revert or skip over a finalized block. */
export class FinalityError extends CrustError {
  constructor(code: 'FINALITY_ERROR_UNKNOWN_BLOCK' | 'FINALITY_ERROR_CONFLICT', message: string, meta?: Record<string, unknown>) {
    super(code, message, meta)
  }
}
