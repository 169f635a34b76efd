/** Sends a transaction through an unmodified @polkadot/api and waits for its block. */
import type { ApiPromise, Keyring } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { ISubmittableResult } from '@polkadot/types/types'

export type Signer = ReturnType<Keyring['addFromUri']>

/**
 * Resolves once the transaction is in a block, with the dispatch error's `section.name` if it failed.
 * Finalized counts as included too: a node that imports a block and its finality together may have
 * @polkadot/api report only the latter.
 */
export function send(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: Signer): Promise<{ error?: string; result: ISubmittableResult }> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, (result) => {
      if (!result.status.isInBlock && !result.status.isFinalized) return
      const err = result.dispatchError
      if (err === undefined) resolve({ result })
      else if (err.isModule) {
        const meta = api.registry.findMetaError(err.asModule)
        resolve({ error: `${meta.section}.${meta.name}`, result })
      } else resolve({ error: err.type, result })
    }).catch(reject)
  })
}
