import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link DbError}. */
export const DbErrorCode = {
  /** The database folder cannot be created or opened (not a folder, no permission, bad LMDB files). */
  OPEN_FAILED: 'DB_ERROR_OPEN_FAILED',
  /** A write transaction failed and was rolled back; nothing of it was written. */
  WRITE_FAILED: 'DB_ERROR_WRITE_FAILED',
  /** The database was used after `close()`. */
  CLOSED: 'DB_ERROR_CLOSED',
  /** An argument is out of range (e.g. a block number that is not a u32). */
  INVALID_ARGUMENT: 'DB_ERROR_INVALID_ARGUMENT',
  /** The database was created archive (or before pruning existed) and is opened pruned, or the other way round. */
  STATE_MODE_MISMATCH: 'DB_ERROR_STATE_MODE_MISMATCH',
} as const

/** One of the {@link DbErrorCode} values. */
export type DbErrorCode = (typeof DbErrorCode)[keyof typeof DbErrorCode]

/** Per-code metadata of {@link DbError}. */
export type DbErrorType =
  | { code: typeof DbErrorCode.OPEN_FAILED; path: string }
  | { code: typeof DbErrorCode.WRITE_FAILED; block: string }
  | { code: typeof DbErrorCode.CLOSED }
  | { code: typeof DbErrorCode.INVALID_ARGUMENT; reason: string }
  | { code: typeof DbErrorCode.STATE_MODE_MISMATCH; path: string; stored: string; requested: string }

/**
 * Thrown by the chain database: when its folder cannot be opened (`DB_ERROR_OPEN_FAILED`), when a
 * block write fails and is rolled back (`DB_ERROR_WRITE_FAILED`), on use after close
 * (`DB_ERROR_CLOSED`), on bad arguments (`DB_ERROR_INVALID_ARGUMENT`) and when a database kept in one
 * state mode is opened in the other (`DB_ERROR_STATE_MODE_MISMATCH`).
 */
export class DbError extends CrustError {
  declare readonly code: DbErrorCode
  readonly type: DbErrorType

  constructor(type: DbErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, meta, options)
    this.type = type
  }
}
