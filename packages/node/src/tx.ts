/**
 * Submits a call from the node's account and waits for its block, over the SDK's `submit`. The
 * sWorker's work reports use the same account at the same time, so a nonce clash (1014 priority
 * too low, an outdated nonce, usurped or dropped) is retried by the SDK instead of failing the caller.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CrustError } from '@crust-ts/base'
import { submit, TxDispatchError } from '@crust-ts/sdk'

export class NodeTxError extends CrustError {
  constructor(
    message: string,
    readonly dispatchError?: string,
  ) {
    super('NODE_ERROR_TX', message, dispatchError === undefined ? {} : { dispatchError })
  }
}

/** A call by name: our runtime's calls differ from Polkadot's augmented typings. */
export function callOf(api: ApiPromise, section: string, method: string, ...args: unknown[]): SubmittableExtrinsic<'promise'> {
  const fn = api.tx[section]?.[method]
  if (fn === undefined) throw new NodeTxError(`the chain has no ${section}.${method} call`)
  return fn(...args)
}

/** Resolves with the dispatch error's `section.Name`, or undefined when the call succeeded; `attempts` submissions at most. */
export async function submitTx(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, attempts = 5): Promise<string | undefined> {
  try {
    await submit(api, tx, signer, { nonceRetries: attempts - 1 })
    return undefined
  } catch (err) {
    if (err instanceof TxDispatchError) return err.error
    throw err
  }
}
