import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link RepoError}. */
export const RepoErrorCode = {
  /** The repo folder or its LMDB environment cannot be created or opened. */
  OPEN_FAILED: 'IPFS_ERROR_REPO_OPEN_FAILED',
  /** Another live process (or this one) already holds the repo. */
  LOCKED: 'IPFS_ERROR_REPO_LOCKED',
  /** The repo was used after `close()`. */
  CLOSED: 'IPFS_ERROR_REPO_CLOSED',
  /** The repo was written by an incompatible format version. */
  VERSION_MISMATCH: 'IPFS_ERROR_REPO_VERSION_MISMATCH',
  /** A write's commit failed (disk full, I/O error): it is not in the repo. */
  WRITE_FAILED: 'IPFS_ERROR_REPO_WRITE_FAILED',
} as const

/** One of the {@link RepoErrorCode} values. */
export type RepoErrorCode = (typeof RepoErrorCode)[keyof typeof RepoErrorCode]

/** Per-code metadata of {@link RepoError}. */
export type RepoErrorType =
  | { code: typeof RepoErrorCode.OPEN_FAILED; path: string }
  | { code: typeof RepoErrorCode.LOCKED; path: string; pid: number }
  | { code: typeof RepoErrorCode.CLOSED }
  | { code: typeof RepoErrorCode.VERSION_MISMATCH; path: string; found: string; expected: string }
  | { code: typeof RepoErrorCode.WRITE_FAILED; key: string }

/**
 * Thrown by the repo: when its folder cannot be opened (`IPFS_ERROR_REPO_OPEN_FAILED`), when another
 * process holds it (`IPFS_ERROR_REPO_LOCKED`), on use after close (`IPFS_ERROR_REPO_CLOSED`) and when
 * it was written by another format version (`IPFS_ERROR_REPO_VERSION_MISMATCH`), and when a write
 * did not reach the repo (`IPFS_ERROR_REPO_WRITE_FAILED`).
 */
export class RepoError extends CrustError {
  declare readonly code: RepoErrorCode
  readonly type: RepoErrorType

  constructor(type: RepoErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, meta, options)
    this.type = type
  }
}

/**
 * Thrown by the block store's and datastore's `get` when the key is absent (code
 * `IPFS_ERROR_STORE_NOT_FOUND`). It is named `NotFoundError` like interface-store's error because
 * Helia and other store users recognise a missing key by `err.name === 'NotFoundError'`.
 */
export class NotFoundError extends CrustError {
  constructor(key: string, message = 'not found') {
    super('IPFS_ERROR_STORE_NOT_FOUND', message, { key })
  }
}

/**
 * A write whose commit failed (disk full, I/O error): the stores acknowledge a write only once its
 * own transaction committed (see `commitPut`), and fail it with this otherwise.
 */
export function writeFailed(key: string, cause?: unknown): RepoError {
  return new RepoError(
    { code: RepoErrorCode.WRITE_FAILED, key },
    `the write of ${key} did not reach the repo (disk full or I/O error)`,
    cause === undefined ? undefined : { cause },
  )
}
