import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link IpfsNodeError}. */
export const IpfsNodeErrorCode = {
  /** A block is neither stored nor obtainable from peers in time (fetch timeout, offline, no peer has it). */
  NOT_FOUND: 'IPFS_ERROR_NOT_FOUND',
  /** The node's options are invalid. */
  INVALID_OPTIONS: 'IPFS_ERROR_INVALID_OPTIONS',
  /** An exclusive lock (GC) was requested while holding the shared pin lock: it would deadlock. */
  LOCK_ORDER: 'IPFS_ERROR_LOCK_ORDER',
  /** Helia's bitswap implementation cannot be loaded. */
  BITSWAP_UNAVAILABLE: 'IPFS_ERROR_BITSWAP_UNAVAILABLE',
} as const

/** One of the {@link IpfsNodeErrorCode} values. */
export type IpfsNodeErrorCode = (typeof IpfsNodeErrorCode)[keyof typeof IpfsNodeErrorCode]

/** Why a block was not found. */
export type NotFoundReason = 'timeout' | 'offline' | 'unavailable'

/** Per-code metadata of {@link IpfsNodeError}. */
export type IpfsNodeErrorType =
  | { code: typeof IpfsNodeErrorCode.NOT_FOUND; cid: string; reason: NotFoundReason; timeoutMs?: number }
  | { code: typeof IpfsNodeErrorCode.INVALID_OPTIONS; reason: string }
  | { code: typeof IpfsNodeErrorCode.LOCK_ORDER }
  | { code: typeof IpfsNodeErrorCode.BITSWAP_UNAVAILABLE }

/**
 * Thrown by the IPFS node: a block that is not stored and could not be fetched within
 * `fetchTimeoutMs` or while offline (`IPFS_ERROR_NOT_FOUND`), invalid options
 * (`IPFS_ERROR_INVALID_OPTIONS`), GC requested from inside `withPinLock` (`IPFS_ERROR_LOCK_ORDER`), and
 * a missing Helia bitswap implementation (`IPFS_ERROR_BITSWAP_UNAVAILABLE`).
 */
export class IpfsNodeError extends CrustError {
  declare readonly code: IpfsNodeErrorCode
  readonly type: IpfsNodeErrorType

  constructor(type: IpfsNodeErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, meta, options)
    this.type = type
  }
}
