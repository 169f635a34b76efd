/** The sWorker's adapter over the SDK's `submit`: failures as {@link SworkerChainError}. */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CrustError } from '@crust-ts/base'
import { submit, TxDispatchError, TxRejectedError } from '@crust-ts/sdk'

/** A chain call of the sWorker failed (rejected at submission or at dispatch). */
export class SworkerChainError extends CrustError {}

/** Submits and waits for inclusion; throws {@link SworkerChainError} with the dispatch error's name. */
export async function submitCall(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<void> {
  try {
    await submit(api, tx, signer)
  } catch (e) {
    if (e instanceof TxDispatchError) throw new SworkerChainError('SWORKER_ERROR_CHAIN_REJECTED', `the chain rejected the call: ${e.error}`, { error: e.error })
    const reason = e instanceof TxRejectedError ? e.reason : (e as Error).message
    throw new SworkerChainError('SWORKER_ERROR_CHAIN_REJECTED', `submission refused: ${reason}`, undefined, { cause: e })
  }
}
