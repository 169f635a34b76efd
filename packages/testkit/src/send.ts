/** Sends a transaction through an unmodified @polkadot/api and waits for its block, over the SDK's `submit`. */
import type { ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import { submit, TxDispatchError } from '@crust-ts/sdk'

export type Signer = ReturnType<Keyring['addFromUri']>

/**
 * Resolves once the transaction is in a block, with the dispatch error's `section.name` if it failed
 * (a first `Finalized` counts as included: the SDK's rule). A refused or dropped transaction rejects
 * with the SDK's `TxRejectedError`, after the SDK's nonce-clash retries.
 */
export async function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: Signer): Promise<{ error?: string; result: ISubmittableResult }> {
  try {
    const { result } = await submit(api, tx, signer)
    return { result }
  } catch (err) {
    if (err instanceof TxDispatchError) return { error: err.error, result: err.result }
    throw err
  }
}
