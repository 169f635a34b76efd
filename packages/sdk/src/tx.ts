/** Signing and sending a transaction, waiting for inclusion, and reading what it paid. */
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { SdkError, type SdkErrorCode } from './errors.js'

export interface SubmitOptions {
  signal?: AbortSignal
}

/** A transaction included in a block with a successful dispatch. */
export interface Included {
  blockHash: string
  blockNumber: number
  /** This extrinsic's events. */
  events: SubmittableResult['events']
  /** The transaction fee actually paid (`transactionPayment.TransactionFeePaid`), tip included. */
  txFee: bigint
}

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

function dispatchErrorName(api: ApiPromise, result: SubmittableResult): string | undefined {
  const err = result.dispatchError
  if (err === undefined) return undefined
  if (err.isModule) {
    const meta = api.registry.findMetaError(err.asModule)
    return `${meta.section}.${meta.name}`
  }
  return err.type
}

function rejected(err: unknown): SdkError {
  if (err instanceof SdkError) return err
  const message = err instanceof Error ? err.message : String(err)
  if (/Inability to pay some fees|balance too low/i.test(message)) {
    return new SdkError('SDK_ERROR_NO_FUNDS', `the account cannot pay the transaction fee (${message})`, undefined, { cause: err })
  }
  return new SdkError('SDK_ERROR_TX_REJECTED', `the chain did not accept the transaction: ${message}`, undefined, { cause: err })
}

/**
 * Signs and sends `tx`, resolves once it is in a block. A failed dispatch rejects with the chain
 * error's name in the message and `meta.error`; a refused or dropped transaction with `SDK_ERROR_TX_REJECTED`.
 */
export async function submit(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, options: SubmitOptions = {}): Promise<Included> {
  const result = await new Promise<SubmittableResult>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined
    let settled = false
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', onAbort)
      unsubscribe?.()
      fn()
    }
    const onAbort = () => finish(() => reject(new SdkError('SDK_ERROR_ABORTED', 'aborted (the transaction may still be included)')))
    options.signal?.addEventListener('abort', onAbort, { once: true })
    tx.signAndSend(signer, (r: SubmittableResult) => {
      // Finalized counts too: @polkadot/api drops an InBlock whose events are still being fetched
      // when Finalized follows (a node that imports a block and its finality at once sends both).
      if (r.status.isInBlock || r.status.isFinalized) finish(() => resolve(r))
      else if (r.status.isInvalid || r.status.isDropped || r.status.isUsurped || r.status.isRetracted) {
        finish(() => reject(new SdkError('SDK_ERROR_TX_REJECTED', `the transaction was ${r.status.type.toLowerCase()} before inclusion`)))
      }
    })
      .then((unsub) => {
        if (settled) unsub()
        else unsubscribe = unsub
      })
      .catch((err: unknown) => finish(() => reject(rejected(err))))
  })
  const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex()
  const failed = dispatchErrorName(api, result)
  if (failed !== undefined) {
    const code = DISPATCH_ERRORS[failed] ?? 'SDK_ERROR_TX_FAILED'
    throw new SdkError(code, `the chain refused the transaction: ${failed}`, { error: failed, blockHash })
  }
  const header = await api.rpc.chain.getHeader(blockHash)
  let txFee = 0n
  for (const { event } of result.events) {
    if (event.section === 'transactionPayment' && event.method === 'TransactionFeePaid') {
      txFee += (event.data[1] as unknown as { toBigInt(): bigint }).toBigInt()
    }
  }
  return { blockHash, blockNumber: header.number.toNumber(), events: result.events, txFee }
}

/** The account's balance it can spend (free minus frozen). */
export async function usableBalance(api: ApiPromise, address: string): Promise<bigint> {
  const info = (await api.query.system!.account!(address)) as unknown as {
    data: { free: { toBigInt(): bigint }; frozen?: { toBigInt(): bigint }; miscFrozen?: { toBigInt(): bigint } }
  }
  const frozen = (info.data.frozen ?? info.data.miscFrozen)?.toBigInt() ?? 0n
  const usable = info.data.free.toBigInt() - frozen
  return usable > 0n ? usable : 0n
}

/** The fee the transaction pool would charge for `tx` signed by `signer` (no tip). */
export async function estimateTxFee(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<bigint> {
  const info = await tx.paymentInfo(signer)
  return info.partialFee.toBigInt()
}
