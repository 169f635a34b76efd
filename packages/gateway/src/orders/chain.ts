/** Sending a signed extrinsic and reading its outcome (block, dispatch error, fee paid). */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { ISubmittableResult } from '@polkadot/types/types'

export type Outcome =
  | { kind: 'success'; blockHash: string; blockNumber: number; fee: bigint }
  | { kind: 'dispatch-error'; blockHash: string; error: string }
  | { kind: 'dropped'; status: string }

/** The JSON-RPC error code at the start of a polkadot-js RPC error message (`1010: Invalid Transaction: ...`). */
export function rpcErrorCode(err: unknown): number | undefined {
  const m = /^(-?\d+):/.exec(err instanceof Error ? err.message : String(err))
  return m === null ? undefined : Number(m[1])
}

/** Plancks the signer paid in this extrinsic: transfers out of its account plus the transaction fee. */
export function paidBy(result: ISubmittableResult, who: string): bigint {
  let total = 0n
  for (const { event } of result.events) {
    const key = `${event.section}.${event.method}`
    if (key === 'balances.Transfer' && event.data[0]?.toString() === who) total += BigInt(event.data[2]!.toString())
    else if (key === 'transactionPayment.TransactionFeePaid' && event.data[0]?.toString() === who) total += BigInt(event.data[1]!.toString())
  }
  return total
}

/**
 * Sends `tx` (already signed). Resolves `accepted` once the pool took it (rejects with the RPC error
 * otherwise) and `outcome` once it is in a block or was dropped.
 */
export async function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, who: string): Promise<{ outcome: Promise<Outcome> }> {
  let settle: (o: Outcome) => void = () => {}
  const outcome = new Promise<Outcome>((resolve) => {
    settle = resolve
  })
  const unsub = await tx.send((result) => {
    const { status } = result
    // Finalized counts as included too: @polkadot/api drops an InBlock whose events are still being
    // fetched when Finalized follows at once (a chain that finalizes by votes right after import).
    if (status.isInBlock || status.isFinalized) {
      const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex()
      const err = result.dispatchError
      if (err === undefined) {
        api.rpc.chain
          .getHeader(blockHash)
          .then((h) => settle({ kind: 'success', blockHash, blockNumber: h.number.toNumber(), fee: paidBy(result, who) }))
          .catch(() => settle({ kind: 'success', blockHash, blockNumber: 0, fee: paidBy(result, who) }))
      } else if (err.isModule) {
        const meta = api.registry.findMetaError(err.asModule)
        settle({ kind: 'dispatch-error', blockHash, error: `${meta.section}.${meta.name}` })
      } else settle({ kind: 'dispatch-error', blockHash, error: err.type })
    } else if (status.isDropped || status.isInvalid || status.isUsurped || status.isRetracted || status.isFinalityTimeout) {
      settle({ kind: 'dropped', status: status.type })
    }
  })
  outcome.finally(() => unsub())
  return { outcome }
}
