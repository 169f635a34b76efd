/** `market.addPrepaid`: money in a file's prepaid pool renews its order at expiry. */
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { formatCru } from './amount.js'
import { SdkError } from './errors.js'
import { assertFunds } from './order.js'
import { orderStatus } from './status.js'
import { estimateTxFee, submit } from './tx/index.js'

export interface AddPrepaidOptions {
  signal?: AbortSignal
}

export interface AddPrepaidReturnType {
  blockHash: string
  blockNumber: number
  /** The transaction fee. */
  txFee: bigint
  /** The file's prepaid pool after the transaction's block. */
  prepaid: bigint
}
export type AddPrepaidErrorType = SdkError

/**
 * Adds `amount` plancks to the prepaid pool of `cid`'s order, after checking the CID, that the
 * order exists (`SDK_ERROR_NO_ORDER`) and that the account can pay (`SDK_ERROR_NO_FUNDS`).
 */
export async function addPrepaid(
  api: ApiPromise,
  signer: KeyringPair,
  cid: string,
  amount: bigint,
  options: AddPrepaidOptions = {},
): Promise<AddPrepaidReturnType> {
  if (amount <= 0n) throw new SdkError('SDK_ERROR_BAD_AMOUNT', 'the prepaid amount must be positive')
  if ((await orderStatus(api, cid)) === undefined) throw new SdkError('SDK_ERROR_NO_ORDER', `no storage order for ${cid}`, { cid })
  const tx = api.tx.market!.addPrepaid!(cid, amount)
  const txFee = await estimateTxFee(tx, signer)
  await assertFunds(api, signer, amount + txFee, `adding ${formatCru(amount)} CRU of prepaid (+ ${formatCru(txFee)} CRU transaction fee)`)
  const included = await submit(api, tx, signer, options.signal === undefined ? {} : { signal: options.signal })
  const at = await api.at(included.blockHash)
  const opt = (await at.query.market!.filesV2!(cid)) as unknown as { isSome: boolean; unwrap(): { prepaid: { toBigInt(): bigint } } }
  const prepaid = opt.isSome ? opt.unwrap().prepaid.toBigInt() : 0n
  return { blockHash: included.blockHash, blockNumber: included.blockNumber, txFee: included.txFee, prepaid }
}
