/** What an account can spend and what a transaction costs or cost. */
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'

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

/** Plancks `who` paid in this extrinsic: its transfers out (`balances.Transfer`) plus the transaction fee. */
export function paidBy(result: Pick<SubmittableResult, 'events'>, who: string): bigint {
  let total = 0n
  for (const { event } of result.events) {
    const key = `${event.section}.${event.method}`
    if (key === 'balances.Transfer' && event.data[0]?.toString() === who) total += BigInt(event.data[2]!.toString())
    else if (key === 'transactionPayment.TransactionFeePaid' && event.data[0]?.toString() === who) total += BigInt(event.data[1]!.toString())
  }
  return total
}
