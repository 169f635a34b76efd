/**
 * One extrinsic through the transaction pool and its watch: the pool's answer first (accepted, or
 * refused with the RPC error), then the outcome (included, with the dispatch error if any, or left
 * the pool). {@link submit} builds on it; callers that manage nonces themselves (a pre-signed
 * extrinsic, a crash-safe order book) use it directly.
 */
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { SignerOptions, SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { TxRejectedError } from '../errors.js'

export interface SendTxOptions {
  /** Signs with this pair before sending; without it `tx` must already be signed. */
  signer?: KeyringPair
  /** Signing options (`nonce`, `tip`, `era`, …); the nonce defaults to the account's next one, pool included. */
  signOptions?: Partial<SignerOptions>
  /** The outcome waits for the block to be final, not only included. */
  finalized?: boolean
}

/** Where the watch of a sent extrinsic ended. */
export type TxOutcome =
  | {
      kind: 'included'
      /** `finalized` when the first status seen in a block was already `Finalized`, or when asked to wait for it. */
      status: 'inBlock' | 'finalized'
      blockHash: string
      /** The block's number; undefined when its header could not be read. */
      blockNumber: number | undefined
      /** `pallet.Error` of a failed dispatch; undefined when the call succeeded. */
      dispatchError: string | undefined
      result: SubmittableResult
    }
  | {
      kind: 'dropped'
      /** `Invalid`, `Dropped`, `Usurped`, `Retracted` or `FinalityTimeout`. */
      status: string
      result: SubmittableResult
    }

export interface SentTx {
  /** The extrinsic's hash. */
  hash: string
  /** Settles once; never rejects. */
  outcome: Promise<TxOutcome>
  /** Stops watching (the outcome then never settles). */
  cancel(): void
}

export type SendTxReturnType = SentTx
export type SendTxErrorType = TxRejectedError

/** The JSON-RPC error code at the start of a polkadot-js RPC error message (`1010: Invalid Transaction: ...`). */
export function rpcErrorCode(err: unknown): number | undefined {
  const m = /^(-?\d+):/.exec(err instanceof Error ? err.message : String(err))
  return m === null ? undefined : Number(m[1])
}

/** The `pallet.Error` name of a failed dispatch (decoded through the metadata), or undefined. */
export function dispatchErrorName(api: ApiPromise, result: SubmittableResult): string | undefined {
  const err = result.dispatchError
  if (err === undefined) return undefined
  if (err.isModule) {
    const meta = api.registry.findMetaError(err.asModule)
    return `${meta.section}.${meta.name}`
  }
  return err.type
}

/** The pool's refusal as a {@link TxRejectedError} (a fee the account cannot pay is `SDK_ERROR_NO_FUNDS`). */
export function poolRejection(err: unknown): TxRejectedError {
  if (err instanceof TxRejectedError) return err
  const reason = err instanceof Error ? err.message : String(err)
  const rpcCode = rpcErrorCode(err)
  const init = rpcCode === undefined ? { reason } : { reason, rpcCode }
  if (/Inability to pay some fees|balance too low/i.test(reason)) {
    return new TxRejectedError('SDK_ERROR_NO_FUNDS', `the account cannot pay the transaction fee (${reason})`, init, { cause: err })
  }
  return new TxRejectedError('SDK_ERROR_TX_REJECTED', `the chain did not accept the transaction: ${reason}`, init, { cause: err })
}

/**
 * Sends `tx` (signing it first when `options.signer` is given). Resolves once the pool accepted
 * it; rejects with {@link TxRejectedError} (`rpcCode` set) when the pool refused it. A first
 * `Finalized` status counts as included: @polkadot/api drops an `InBlock` whose events are still
 * being fetched when `Finalized` follows at once (a chain that finalizes right after import).
 */
export async function sendTx(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, options: SendTxOptions = {}): Promise<SendTxReturnType> {
  let settle: (o: TxOutcome) => void = () => {}
  let settled = false
  let unsubscribe: (() => void) | undefined
  const outcome = new Promise<TxOutcome>((resolve) => {
    settle = (o) => {
      if (settled) return
      settled = true
      unsubscribe?.()
      resolve(o)
    }
  })
  const included = (result: SubmittableResult, final: boolean): void => {
    const { status } = result
    const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex()
    const dispatchError = dispatchErrorName(api, result)
    // claimed now, so a later status cannot settle first while the header is read
    const finish = settle
    settle = () => {}
    api.rpc.chain
      .getHeader(blockHash)
      .then(
        (h) => h.number.toNumber(),
        () => undefined,
      )
      .then((blockNumber) => finish({ kind: 'included', status: final ? 'finalized' : 'inBlock', blockHash, blockNumber, dispatchError, result }))
  }
  const onStatus = (result: SubmittableResult): void => {
    if (settled) return
    const { status } = result
    if (status.isFinalized) included(result, true)
    else if (status.isInBlock) {
      if (options.finalized !== true) included(result, false)
    } else if (status.isRetracted) {
      // only ever after InBlock: waiting for finality, the extrinsic may land in another block
      if (options.finalized !== true) settle({ kind: 'dropped', status: status.type, result })
    } else if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
      settle({ kind: 'dropped', status: status.type, result })
    }
  }
  try {
    const unsub = options.signer === undefined ? await tx.send(onStatus) : await tx.signAndSend(options.signer, options.signOptions ?? {}, onStatus)
    if (settled) unsub()
    else unsubscribe = unsub
  } catch (err) {
    settled = true
    throw poolRejection(err)
  }
  return {
    hash: tx.hash.toHex(),
    outcome,
    cancel: () => {
      settled = true
      unsubscribe?.()
    },
  }
}
