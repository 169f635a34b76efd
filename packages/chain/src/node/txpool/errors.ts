import { CrustError } from '@crust-ts/base'

/** Why the transaction queues refused an operation; `code` discriminates the metadata. */
export type PoolErrorType =
  /** A transaction with this hash is already in the pool. */
  | { code: 'TXPOOL_ERROR_ALREADY_IMPORTED'; hash: string }
  /** The nonce is below the sender's account nonce. */
  | { code: 'TXPOOL_ERROR_STALE'; hash: string; nonce: number; accountNonce: number }
  /** The sender already has a transaction with this nonce, with the same or a higher priority. */
  | { code: 'TXPOOL_ERROR_TOO_LOW_PRIORITY'; hash: string; oldPriority: bigint; newPriority: bigint }
  /** The limits are reached and the transaction itself would be the one evicted. */
  | { code: 'TXPOOL_ERROR_POOL_FULL'; hash: string }
  /** The sender already has `limit` transactions in the pool. */
  | { code: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER'; hash: string; sender: string; limit: number }
  /** A {@link PoolLimits} field is not a non-negative integer. */
  | { code: 'TXPOOL_ERROR_INVALID_LIMITS'; field: string; value: number }

/** The stable codes of {@link PoolError}. */
export type PoolErrorCode = PoolErrorType['code']

function describe(type: PoolErrorType): string {
  switch (type.code) {
    case 'TXPOOL_ERROR_ALREADY_IMPORTED':
      return 'transaction already imported'
    case 'TXPOOL_ERROR_STALE':
      return `transaction is outdated: nonce ${type.nonce} is below account nonce ${type.accountNonce}`
    case 'TXPOOL_ERROR_TOO_LOW_PRIORITY':
      return `priority is too low to replace the pooled transaction: ${type.newPriority} <= ${type.oldPriority}`
    case 'TXPOOL_ERROR_POOL_FULL':
      return 'transaction pool is full'
    case 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER':
      return `sender already has ${type.limit} transactions in the pool`
    case 'TXPOOL_ERROR_INVALID_LIMITS':
      return `pool limit ${type.field} must be a non-negative integer, got ${type.value}`
  }
}

function toMeta(type: PoolErrorType): Record<string, unknown> {
  const meta: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(type)) {
    // bigint does not survive JSON; priorities travel as decimal strings.
    if (key !== 'code') meta[key] = typeof value === 'bigint' ? value.toString() : value
  }
  return meta
}

/**
 * Thrown by `TransactionQueues` when it refuses a transaction (import) or a configuration
 * (constructor). Match on `type.code`; {@link poolErrorToRpc} gives the Substrate JSON-RPC error.
 */
export class PoolError extends CrustError {
  readonly type: PoolErrorType

  constructor(type: PoolErrorType, options?: { cause?: unknown }) {
    super(type.code, describe(type), toMeta(type), options)
    this.type = type
  }
}

/** Substrate's JSON-RPC error codes for pool errors (`sc-rpc-api` author errors). */
export const POOL_RPC_ERROR = {
  INVALID_TRANSACTION: 1010,
  ALREADY_IMPORTED: 1013,
  TOO_LOW_PRIORITY: 1014,
  IMMEDIATELY_DROPPED: 1016,
} as const

/** A JSON-RPC error object as Substrate's `author_submitExtrinsic` returns it. */
export interface PoolRpcError {
  code: number
  message: string
  data: string
}

const LIMIT_DATA = "The transaction couldn't enter the pool because of the limit"

/**
 * The JSON-RPC error Substrate returns for the same refusal, so `@polkadot/api` clients see the
 * codes and texts they know. `TOO_MANY_FROM_SENDER` has no Substrate counterpart and maps to 1016
 * "Immediately Dropped" (a limit, retry later); `INVALID_LIMITS` never reaches RPC and maps to 1016 too.
 */
export function poolErrorToRpc(err: PoolError): PoolRpcError {
  const type = err.type
  switch (type.code) {
    case 'TXPOOL_ERROR_STALE':
      return { code: POOL_RPC_ERROR.INVALID_TRANSACTION, message: 'Invalid Transaction', data: 'Transaction is outdated' }
    case 'TXPOOL_ERROR_ALREADY_IMPORTED':
      return { code: POOL_RPC_ERROR.ALREADY_IMPORTED, message: 'Transaction Already Imported', data: type.hash }
    case 'TXPOOL_ERROR_TOO_LOW_PRIORITY':
      return {
        code: POOL_RPC_ERROR.TOO_LOW_PRIORITY,
        message: `Priority is too low: (${type.oldPriority} vs ${type.newPriority})`,
        data: 'The transaction has too low priority to replace another transaction already in the pool.',
      }
    case 'TXPOOL_ERROR_POOL_FULL':
    case 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER':
    case 'TXPOOL_ERROR_INVALID_LIMITS':
      return { code: POOL_RPC_ERROR.IMMEDIATELY_DROPPED, message: 'Immediately Dropped', data: LIMIT_DATA }
  }
}
