/** Signing and sending a transaction and waiting for its block: the one submission path of crust-ts. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { SignerOptions, SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { SdkError, type SdkErrorCode, TxDispatchError, TxRejectedError } from '../errors.js'
import { DEFAULT_NONCE_RETRIES, DEFAULT_NONCE_RETRY_DELAY_MS, TX_POOL_ERROR } from './constants.js'
import { type SentTx, sendTx, type TxOutcome } from './send.js'

export interface SubmitOptions {
  signal?: AbortSignal
  /** Resolve once the block is final, not only included (default false). */
  finalized?: boolean
  /** Signing options (`tip`, `era`, `nonce`, …). With a fixed `nonce` a clash is not retried. */
  signOptions?: Partial<SignerOptions>
  /**
   * Resubmissions, each signed again with a fresh nonce, after a nonce clash: the pool refused the
   * nonce (1014 priority too low, stale/outdated, ancient birth block) or replaced or dropped the
   * transaction before inclusion (default 4). Another sender on the same account (an sWorker's
   * work reports next to the node's own calls) makes these happen.
   */
  nonceRetries?: number
  /** Pause before a resubmission, times the attempt number (default 500 ms). */
  retryDelayMs?: number
}

/** A transaction included in a block with a successful dispatch. */
export interface Included {
  blockHash: string
  blockNumber: number
  /** `finalized` when the block was final when seen (or `finalized` was asked for). */
  status: 'inBlock' | 'finalized'
  /** This extrinsic's events. */
  events: SubmittableResult['events']
  /** The transaction fee actually paid (`transactionPayment.TransactionFeePaid`), tip included. */
  txFee: bigint
  /** The inclusion result as @polkadot/api gave it. */
  result: SubmittableResult
}

export type SubmitReturnType = Included
export type SubmitErrorType = TxDispatchError | TxRejectedError | SdkError

/** Chain errors the SDK explains with its own codes; others become `SDK_ERROR_TX_FAILED`. */
const DISPATCH_ERRORS: Record<string, SdkErrorCode> = {
  'market.InsufficientCurrency': 'SDK_ERROR_NO_FUNDS',
  'balances.InsufficientBalance': 'SDK_ERROR_NO_FUNDS',
  'market.FileTooLarge': 'SDK_ERROR_FILE_TOO_LARGE',
  'market.IllegalCid': 'SDK_ERROR_BAD_CID',
  'market.FileSizeZero': 'SDK_ERROR_BAD_SIZE',
  'market.FileNotExist': 'SDK_ERROR_NO_ORDER',
  'market.PlaceOrderNotAvailable': 'SDK_ERROR_MARKET_DISABLED',
}

/** Pool refusals that a fresh nonce answers. */
const NONCE_CLASH = /Priority is too low|outdated|stale|AncientBirthBlock/i
/** Ways out of the pool that a fresh nonce answers: another transaction took the nonce, or the pool let it go. */
const CLASH_STATUSES = new Set(['Usurped', 'Dropped'])

/** True for a refusal that resubmitting with a fresh nonce can cure. */
export function isNonceClash(err: unknown): boolean {
  if (!(err instanceof TxRejectedError)) return false
  if (err.status !== undefined) return CLASH_STATUSES.has(err.status)
  return err.rpcCode === TX_POOL_ERROR.PRIORITY_TOO_LOW || NONCE_CLASH.test(err.reason)
}

/**
 * The SDK's code for a dispatch error name (`market.FileTooLarge` → `SDK_ERROR_FILE_TOO_LARGE`);
 * `SDK_ERROR_TX_FAILED` for the names the SDK does not explain. A named code means sending the same
 * call again fails the same way (and pays the fee again).
 */
export function dispatchErrorCode(error: string): SdkErrorCode {
  return DISPATCH_ERRORS[error] ?? 'SDK_ERROR_TX_FAILED'
}

/** The typed error of a dispatch that failed in `blockHash`. */
export function dispatchError(error: string, blockHash: string, result: SubmittableResult): TxDispatchError {
  return new TxDispatchError(dispatchErrorCode(error), error, blockHash, result)
}

function aborted(signal: AbortSignal): SdkError {
  return new SdkError('SDK_ERROR_ABORTED', 'aborted (the transaction may still be included)', undefined, { cause: signal.reason })
}

/** Races `p` with the signal; on abort runs `onAbort` and rejects with `SDK_ERROR_ABORTED`. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void = () => {}): Promise<T> {
  if (signal === undefined) return p
  if (signal.aborted) {
    onAbort()
    return Promise.reject(aborted(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort()
      reject(aborted(signal))
    }
    signal.addEventListener('abort', abort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

async function once(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, options: SubmitOptions): Promise<Included> {
  let sent: SentTx | undefined
  const sending = sendTx(api, tx, {
    signer,
    ...(options.signOptions === undefined ? {} : { signOptions: options.signOptions }),
    ...(options.finalized === undefined ? {} : { finalized: options.finalized }),
  })
  // an abort while the pool answers leaves a watch behind: end it once it exists
  sending.then(
    (s) => options.signal?.aborted === true && s.cancel(),
    () => {},
  )
  sent = await abortable(sending, options.signal)
  const outcome: TxOutcome = await abortable(sent.outcome, options.signal, () => sent?.cancel())
  if (outcome.kind === 'dropped') {
    throw new TxRejectedError('SDK_ERROR_TX_REJECTED', `the transaction was ${outcome.status.toLowerCase()} before inclusion`, {
      reason: outcome.status,
      status: outcome.status,
    })
  }
  if (outcome.dispatchError !== undefined) throw dispatchError(outcome.dispatchError, outcome.blockHash, outcome.result)
  const blockNumber = outcome.blockNumber ?? (await api.rpc.chain.getHeader(outcome.blockHash)).number.toNumber()
  let txFee = 0n
  for (const { event } of outcome.result.events) {
    if (event.section === 'transactionPayment' && event.method === 'TransactionFeePaid') {
      txFee += (event.data[1] as unknown as { toBigInt(): bigint }).toBigInt()
    }
  }
  return { blockHash: outcome.blockHash, blockNumber, status: outcome.status, events: outcome.result.events, txFee, result: outcome.result }
}

/**
 * Signs and sends `tx`, resolves once it is in a block (or final, with `finalized`); a first
 * `Finalized` status counts as included. A failed dispatch rejects with {@link TxDispatchError}
 * (`error` is the chain error's `pallet.Error` name); a refused or dropped transaction with
 * {@link TxRejectedError}, after `nonceRetries` resubmissions when it was a nonce clash; an abort
 * with `SDK_ERROR_ABORTED` (the transaction may still be included).
 */
export async function submit(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  options: SubmitOptions = {},
): Promise<SubmitReturnType> {
  const retries = options.signOptions?.nonce === undefined ? (options.nonceRetries ?? DEFAULT_NONCE_RETRIES) : 0
  const delay = options.retryDelayMs ?? DEFAULT_NONCE_RETRY_DELAY_MS
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(api, tx, signer, options)
    } catch (err) {
      if (attempt > retries || !isNonceClash(err)) throw err
      await abortable(sleep(delay * attempt), options.signal)
    }
  }
}
