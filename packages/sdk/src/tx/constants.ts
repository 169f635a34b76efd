/** Numbers of transaction submission. */

/** Substrate's author RPC error codes (`1010: Invalid Transaction: …`) that callers act on. */
export const TX_POOL_ERROR = {
  /** The transaction is invalid: bad nonce (stale/future), cannot pay, bad signature, … */
  INVALID: 1010,
  /** The very same extrinsic (same bytes) is already in the pool. */
  ALREADY_IMPORTED: 1013,
  /** Another transaction with the same nonce and a higher priority is in the pool. */
  PRIORITY_TOO_LOW: 1014,
} as const

/** Resubmissions after a nonce clash unless told otherwise (five submissions in all). */
export const DEFAULT_NONCE_RETRIES = 4
/** Pause before a resubmission, times the attempt number. */
export const DEFAULT_NONCE_RETRY_DELAY_MS = 500
