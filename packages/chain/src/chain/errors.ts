import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link ChainError}. */
export const ChainErrorCode = {
  /** The data folder holds another chain (another genesis). */
  GENESIS_MISMATCH: 'CHAIN_ERROR_GENESIS_MISMATCH',
  /** The database lacks a block it points to. */
  CORRUPT: 'CHAIN_ERROR_CORRUPT',
  /** Block production was asked for a slot not after the parent's. */
  SLOT_NOT_INCREASING: 'CHAIN_ERROR_SLOT_NOT_INCREASING',
  /** Block production was asked for a slot whose time has passed. */
  SLOT_PASSED: 'CHAIN_ERROR_SLOT_PASSED',
  /** An option of the chain is out of range. */
  INVALID_OPTIONS: 'CHAIN_ERROR_INVALID_OPTIONS',
  /** The state of the block was pruned (older than the kept window, or a fork finality ruled out). */
  STATE_DISCARDED: 'CHAIN_ERROR_STATE_DISCARDED',
  /** A synced state cannot be installed (not a fresh pruned database, headers not linked from genesis, a root that is not the header's). */
  STATE_SYNC_REFUSED: 'CHAIN_ERROR_STATE_SYNC_REFUSED',
  /** An authority proof lacks a state node the authority and voter sets are read from, or holds one that does not decode. */
  AUTHORITY_PROOF_INVALID: 'CHAIN_ERROR_AUTHORITY_PROOF_INVALID',
} as const

/** One of the {@link ChainErrorCode} values. */
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode]

/** The chain cannot open its database, produce the requested block, or read a pruned state. */
export class ChainError extends CrustError {
  declare readonly code: ChainErrorCode

  constructor(code: ChainErrorCode, message: string) {
    super(code, message)
  }
}

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

/** One of the {@link BlockImportErrorCode} values. */
export type BlockImportErrorCode = (typeof BlockImportErrorCode)[keyof typeof BlockImportErrorCode]

/** The block an import error is about: its hash (0x hex) and number. */
export interface BlockId {
  hash: string
  number: number
}

type Code = typeof BlockImportErrorCode

/** Per-code fields of {@link BlockImportError}; `switch (err.type.code)` narrows them. */
export type BlockImportErrorType =
  | { code: Code['BAD_ENCODING'] }
  | (BlockId & { code: Code['UNKNOWN_PARENT'] /** The missing parent's hash (0x hex). */; parent: string })
  | (BlockId & { code: Code['BAD_NUMBER'] })
  | (BlockId & { code: Code['NOT_DESCENDANT_OF_FINALIZED'] })
  | (BlockId & { code: Code['NO_SLOT'] })
  | (BlockId & { code: Code['SLOT_NOT_INCREASING']; slot: number; parentSlot: number })
  | (BlockId & { code: Code['FUTURE_SLOT']; slot: number; currentSlot: number })
  | (BlockId & { code: Code['NO_SEAL'] })
  | (BlockId & { code: Code['WRONG_AUTHOR'] | Code['BAD_SEAL']; slot: number /** The slot's author (0x hex account id). */; author: string })
  | (BlockId & { code: Code['BAD_TIMESTAMP'] })
  | (BlockId & { code: Code['BAD_EXTRINSIC'] /** The extrinsic's index in the body, when one is at fault. */; index?: number })
  | (BlockId & { code: Code['EXTRINSICS_ROOT_MISMATCH'] })
  | (BlockId & {
      code: Code['STATE_ROOT_MISMATCH']
      /** The header's state root (0x hex). */
      expected: string
      /** What execution gave. */
      got: string
      /** The block's calls as executed here (`Pallet.call`, signed ones with their signer), to find where two nodes part. */
      calls: string[]
      /** How many storage keys execution changed. */
      changedKeys: number
      /** The first of those keys with the value written (null: deleted), as hex; long values cut in the middle. */
      changes: Array<[key: string, value: string | null]>
    })

/** A block that cannot be imported. See {@link BlockImportError.invalid}. */
export class BlockImportError extends CrustError {
  declare readonly code: BlockImportErrorCode
  /** The code with its fields. */
  readonly type: BlockImportErrorType

  constructor(type: BlockImportErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, Object.keys(meta).length === 0 ? undefined : meta, options)
    this.type = type
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

/** Stable codes of {@link FinalityError}. */
export const FinalityErrorCode = {
  /** The block to finalize is not known. */
  UNKNOWN_BLOCK: 'FINALITY_ERROR_UNKNOWN_BLOCK',
  /** The block is not on the chain of the finalized block. */
  CONFLICT: 'FINALITY_ERROR_CONFLICT',
} as const

/** One of the {@link FinalityErrorCode} values. */
export type FinalityErrorCode = (typeof FinalityErrorCode)[keyof typeof FinalityErrorCode]

/** A finality request that would revert or skip over a finalized block. */
export class FinalityError extends CrustError {
  declare readonly code: FinalityErrorCode

  constructor(code: FinalityErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta)
  }
}
