/**
 * Submits a call from the node's account and waits for its block, over the SDK's `submit`. The
 * sWorker's work reports use the same account at the same time, so a nonce clash (1014 priority
 * too low, or an outdated nonce) is retried instead of failing the caller.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CrustError } from '@crust-ts/base'
import { SdkError, submit } from '@crust-ts/sdk'

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

const NONCE_CLASH = /1014|Priority is too low|outdated|usurped|dropped/i

/** Resolves with the dispatch error's `section.Name`, or undefined when the call succeeded. */
export async function submitTx(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, attempts = 5): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await submit(api, tx, signer)
      return undefined
    } catch (err) {
      const dispatchError = err instanceof SdkError ? (err.meta as { error?: string } | undefined)?.error : undefined
      if (dispatchError !== undefined) return dispatchError
      if (attempt >= attempts || !NONCE_CLASH.test((err as Error).message)) throw err
      await new Promise((r) => setTimeout(r, 500 * attempt))
    }
  }
}
