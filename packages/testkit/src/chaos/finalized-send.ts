/** Sending a chaos client's transaction and waiting for its block to be finalized, with a deadline. */
import type { ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'

export interface Acknowledged {
  blockHash: string
  txHash: string
}

/** Sends `tx` and resolves once its block is finalized (with the block and the transaction's hash); rejects on a dispatch error or after `timeoutMs`. */
export function finalizedSend(
  _api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: ReturnType<Keyring['addFromUri']>,
  timeoutMs: number,
): Promise<Acknowledged> {
  return new Promise<Acknowledged>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined
    const timer = setTimeout(() => {
      unsubscribe?.()
      reject(new Error('not finalized in time'))
    }, timeoutMs)
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      if (result.dispatchError !== undefined || result.isError) {
        clearTimeout(timer)
        unsubscribe?.()
        reject(new Error('failed'))
      } else if (result.status.isFinalized) {
        clearTimeout(timer)
        unsubscribe?.()
        resolve({ blockHash: result.status.asFinalized.toHex(), txHash: result.txHash.toHex() })
      }
    }).then(
      (u) => {
        unsubscribe = u
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err as Error)
      },
    )
  })
}
