/** Sends a transaction through an unmodified @polkadot/api and waits for its block, over the SDK's `submit`. */
import type { ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { ISubmittableResult } from '@polkadot/types/types'
import { submit, TxDispatchError } from '@crust-ts/sdk'

export type Signer = ReturnType<Keyring['addFromUri']>

/** A sent transaction: its block, the dispatch error's `section.name` if it failed, and the result as @polkadot/api gave it. */
export interface Sent {
  /**
   * The block that included it. Read this, not `result.status.asInBlock`: the status is `Finalized`
   * when the first status seen was already final, and `asInBlock` then throws.
   */
  blockHash: string
  error?: string
  result: ISubmittableResult
}

/**
 * Resolves once the transaction is in a block, with the dispatch error's `section.name` if it failed
 * (a first `Finalized` counts as included: the SDK's rule). A refused or dropped transaction rejects
 * with the SDK's `TxRejectedError`, after the SDK's nonce-clash retries.
 */
export async function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: Signer): Promise<Sent> {
  try {
    const { blockHash, result } = await submit(api, tx, signer)
    return { blockHash, result }
  } catch (err) {
    if (err instanceof TxDispatchError) return { blockHash: err.blockHash, error: err.error, result: err.result }
    throw err
  }
}
