/** A validated transaction as the queues hold it. */
export interface PoolTransaction<T = unknown> {
  /** 0x-hex blake2-256 of the extrinsic bytes; the dedup key. */
  hash: string
  /** 0x-hex account id. */
  sender: string
  /** u32 account nonce the transaction uses. */
  nonce: number
  /** Higher goes first (tip-based, computed by the caller). */
  priority: bigint
  /** Encoded size in bytes; counts toward `maxBytes`. */
  length: number
  /** Opaque payload (the decoded extrinsic). */
  data: T
  /** First block number at which the transaction is no longer valid (its era's death); none: immortal. */
  validTill?: number
}

/** What an accepted import did to the pool. */
export interface ImportOutcome<T = unknown> {
  status: 'ready' | 'future'
  hash: string
  /** The transaction with the same sender and nonce and a lower priority, now removed. */
  replaced?: PoolTransaction<T>
  /** Future transactions of the sender that became ready because of this one, in nonce order. */
  promoted: PoolTransaction<T>[]
  /** Transactions dropped to respect the limits. */
  evicted: PoolTransaction<T>[]
}

/** What `TransactionQueues.onNonces` did to the pool. */
export interface NoncesOutcome<T = unknown> {
  /** Transactions below their sender's new nonce (included in the block, or stale). */
  removed: PoolTransaction<T>[]
  /** Future transactions that became ready. */
  promoted: PoolTransaction<T>[]
  /** Transactions dropped to respect the limits (promotions or reorg demotions can exceed them). */
  evicted: PoolTransaction<T>[]
}

/** How a transaction reached the pool. */
export type TransactionOrigin = 'local' | 'network'

/** Options of `TransactionQueues.import`. */
export interface ImportOptions {
  /**
   * `local` (the node's own RPC) transactions are bounded by the pool-wide limits only; `network`
   * ones (the default) also by the per-sender future bound.
   */
  origin?: TransactionOrigin
  /** Milliseconds since the epoch (default `Date.now()`): the arrival time future expiry counts from. */
  now?: number
}

/** Sizes of the queues. */
export interface PoolStatus {
  ready: number
  future: number
  bytes: number
}

/**
 * Yields ready transactions in a valid block order. `skipSender` drops the rest of that sender's
 * chain for this iteration (its transaction failed to apply, so the following nonces cannot apply).
 */
export interface ReadyIterator<T = unknown> extends IterableIterator<PoolTransaction<T>> {
  skipSender(sender: string): void
}
