/** Errors of the SDK: one class, stable `SDK_ERROR_*` codes. */
import { CrustError } from '@crust-ts/base'
import type { SubmittableResult } from '@polkadot/api'

/** Every code an {@link SdkError} can carry. */
export type SdkErrorCode =
  /** No chain node answers at the URL. */
  | 'SDK_ERROR_NO_CHAIN'
  /** A secret URI that is neither a mnemonic, a 32-byte hex seed nor a `//Name` dev path. */
  | 'SDK_ERROR_BAD_SURI'
  /** A keystore file that cannot be read or is not polkadot-js keystore JSON. */
  | 'SDK_ERROR_BAD_KEYSTORE'
  /** The password does not decrypt the keystore. */
  | 'SDK_ERROR_BAD_PASSWORD'
  /** An encrypted keystore and no password, or a password file that cannot be read. */
  | 'SDK_ERROR_NO_PASSWORD'
  /** Neither a secret URI nor a keystore was given. */
  | 'SDK_ERROR_NO_ACCOUNT'
  /** The path to upload does not exist. */
  | 'SDK_ERROR_NO_SUCH_FILE'
  /** No IPFS API answers at the URL. */
  | 'SDK_ERROR_IPFS_UNREACHABLE'
  /** The IPFS API answered with an error. */
  | 'SDK_ERROR_IPFS'
  /** A DAG with a block of a codec a content root cannot cover (dag-pb and raw only). */
  | 'SDK_ERROR_UNSUPPORTED_CODEC'
  /** Not a CID (or longer than the chain accepts). */
  | 'SDK_ERROR_BAD_CID'
  /** A size that is not a positive integer. */
  | 'SDK_ERROR_BAD_SIZE'
  /** An amount that is not a positive number of plancks. */
  | 'SDK_ERROR_BAD_AMOUNT'
  /** The file is not below the market's maximum file size. */
  | 'SDK_ERROR_FILE_TOO_LARGE'
  /** The account cannot pay the order (or the prepaid amount) and the transaction fee. */
  | 'SDK_ERROR_NO_FUNDS'
  /** The chain's storage market is switched off. */
  | 'SDK_ERROR_MARKET_DISABLED'
  /** No storage order for the CID. */
  | 'SDK_ERROR_NO_ORDER'
  /** The transaction was included but its dispatch failed (`meta.error` names the chain error). */
  | 'SDK_ERROR_TX_FAILED'
  /** The transaction pool refused the transaction, or it was dropped before inclusion. */
  | 'SDK_ERROR_TX_REJECTED'
  /** Fewer replicas than wanted were reported before the deadline (`meta.reached`, `meta.wanted`). */
  | 'SDK_ERROR_REPLICA_TIMEOUT'
  /** The caller's signal aborted the operation. */
  | 'SDK_ERROR_ABORTED'
  /** An option with a value the SDK does not know (`meta.option`, `meta.value`, `meta.allowed`). */
  | 'SDK_ERROR_BAD_OPTION'

/** Thrown by every SDK function; match on `code`. */
export class SdkError extends CrustError {
  declare readonly code: SdkErrorCode

  constructor(code: SdkErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}

/**
 * A transaction that was included but whose dispatch failed. `error` is the chain error's
 * `pallet.Error` name (module errors decoded through the metadata; `BadOrigin`, `Other`, … for the
 * others); `code` is `SDK_ERROR_TX_FAILED` unless the SDK explains the error with its own code
 * (`SDK_ERROR_NO_FUNDS`, `SDK_ERROR_FILE_TOO_LARGE`, …). `meta` is `{ error, blockHash }`.
 */
export class TxDispatchError extends SdkError {
  /** `pallet.Error`, e.g. `market.FileTooLarge`. */
  readonly error: string
  readonly blockHash: string
  /** The inclusion result (its events, status), for callers that read them even on failure. */
  readonly result: SubmittableResult

  constructor(code: SdkErrorCode, error: string, blockHash: string, result: SubmittableResult) {
    super(code, `the chain refused the transaction: ${error}`, { error, blockHash })
    this.error = error
    this.blockHash = blockHash
    this.result = result
  }
}

/**
 * A transaction that never made it into a block: the pool refused it (`rpcCode`: Substrate's author
 * RPC error code, e.g. 1010 invalid, 1014 priority too low), or it left the pool (`status`:
 * `Invalid`, `Dropped`, `Usurped`, `Retracted`, `FinalityTimeout`). `reason` is the node's own
 * words. `code` is `SDK_ERROR_TX_REJECTED`, or `SDK_ERROR_NO_FUNDS` when the account cannot pay the fee.
 */
export class TxRejectedError extends SdkError {
  readonly reason: string
  readonly rpcCode: number | undefined
  readonly status: string | undefined

  constructor(
    code: 'SDK_ERROR_TX_REJECTED' | 'SDK_ERROR_NO_FUNDS',
    message: string,
    init: { reason: string; rpcCode?: number; status?: string },
    options?: { cause?: unknown },
  ) {
    super(
      code,
      message,
      { reason: init.reason, ...(init.rpcCode === undefined ? {} : { rpcCode: init.rpcCode }), ...(init.status === undefined ? {} : { status: init.status }) },
      options,
    )
    this.reason = init.reason
    this.rpcCode = init.rpcCode
    this.status = init.status
  }
}

/**
 * The Kubo RPC API answered with an error (`status` is the HTTP status, 200 for an error reported
 * in the stream; `detail` is Kubo's `Message`), or could not be reached (`SDK_ERROR_IPFS_UNREACHABLE`;
 * `detail` is the transport error's message). `command` is the API command, e.g. `pin/add`.
 */
export class KuboError extends SdkError {
  readonly command: string
  readonly detail: string
  readonly status: number | undefined

  constructor(
    code: 'SDK_ERROR_IPFS' | 'SDK_ERROR_IPFS_UNREACHABLE',
    message: string,
    init: { url: string; command: string; detail: string; status?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, { url: init.url, command: init.command, ...(init.status === undefined ? {} : { status: init.status }) }, options)
    this.command = init.command
    this.detail = init.detail
    this.status = init.status
  }
}

/** Throws {@link SdkError} `SDK_ERROR_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new SdkError('SDK_ERROR_ABORTED', 'aborted', undefined, { cause: signal.reason })
}
