/**
 * Signs and submits a call from the node's account and waits for its block. The sWorker's work
 * reports use the same account at the same time, so a nonce clash (1014 priority too low, or an
 * outdated nonce) is retried with a fresh nonce instead of failing the caller.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CrustError } from '@crust-ts/chain/errors'

export class NodeTxError extends CrustError {
  constructor(message: string, readonly dispatchError?: string) {
    super('NODE_ERROR_TX', message, dispatchError === undefined ? {} : { dispatchError })
  }
}

/** A call by name: our runtime's calls differ from Polkadot's augmented typings. */
export function callOf(api: ApiPromise, section: string, method: string, ...args: unknown[]): SubmittableExtrinsic<'promise'> {
  const fn = api.tx[section]?.[method]
  if (fn === undefined) throw new NodeTxError(`the chain has no ${section}.${method} call`)
  return fn(...args)
}

const NONCE_CLASH = /1014|Priority is too low|outdated/i

function submitOnce(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce: -1 }, (result) => {
      if (result.isError) reject(new NodeTxError(`${tx.method.section}.${tx.method.method} was dropped (${result.status.type})`))
      if (!result.status.isInBlock) return
      const err = result.dispatchError
      if (err === undefined) return resolve(undefined)
      if (!err.isModule) return resolve(err.type)
      const meta = api.registry.findMetaError(err.asModule)
      resolve(`${meta.section}.${meta.name}`)
    }).catch(reject)
  })
}

/** Resolves with the dispatch error's `section.Name`, or undefined when the call succeeded. */
export async function submitTx(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, attempts = 5): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await submitOnce(api, tx, signer)
    } catch (err) {
      if (attempt >= attempts || !NONCE_CLASH.test((err as Error).message)) throw err
      await new Promise((r) => setTimeout(r, 500 * attempt))
    }
  }
}
