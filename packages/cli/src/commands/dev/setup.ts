/**
 * The dev network's on-chain setup for its storage accounts: funds (beyond the genesis ones),
 * market collateral in `benefits` (so first reporters earn rewards), and a bond plus a validator
 * candidacy in `staking` (so each node's stake limit follows its proven storage). Idempotent: a
 * resumed network skips what is already done.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CliError } from '../../errors.js'

export const CRU = 10n ** 12n
export const STORAGE_FUNDS = 100_000n * CRU
export const MARKET_COLLATERAL = 1_000n * CRU
export const STORAGE_BOND = 1_000n * CRU

/** Submits and waits for inclusion; a dispatch error becomes a CliError naming the call. */
export function submit(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair, nonce: number): Promise<void> {
  const what = `${tx.method.section}.${tx.method.method}`
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce }, (result) => {
      if (result.isError) reject(new CliError('CLI_ERROR_DEV_SETUP', `${what} from ${signer.address} was dropped (${result.status.type})`))
      if (!result.status.isInBlock) return
      const err = result.dispatchError
      if (err === undefined) return resolve()
      const name = err.isModule ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(err.asModule)) : err.type
      reject(new CliError('CLI_ERROR_DEV_SETUP', `${what} from ${signer.address} failed: ${name}`))
    }).catch((e: unknown) => reject(new CliError('CLI_ERROR_DEV_SETUP', `${what} from ${signer.address}: ${(e as Error).message}`)))
  })
}

/** A call by name: our runtime's calls differ from Polkadot's augmented typings (Crust's staking has no payee). */
function tx(api: ApiPromise, section: string, method: string, ...args: unknown[]): SubmittableExtrinsic<'promise'> {
  const fn = api.tx[section]?.[method]
  if (fn === undefined) throw new CliError('CLI_ERROR_DEV_SETUP', `the chain has no ${section}.${method} call`)
  return fn(...args)
}

async function nextNonce(api: ApiPromise, who: KeyringPair): Promise<number> {
  return (await api.rpc.system.accountNextIndex(who.address)).toNumber()
}

/** Funds accounts that have less than the storage funds (only the ones beyond the genesis set need it). */
export async function fundAccounts(api: ApiPromise, funder: KeyringPair, accounts: KeyringPair[]): Promise<void> {
  let nonce = await nextNonce(api, funder)
  const pending: Promise<void>[] = []
  for (const account of accounts) {
    const { data } = await api.query.system.account(account.address)
    if (data.free.toBigInt() >= STORAGE_FUNDS) continue
    pending.push(submit(api, api.tx.balances.transferKeepAlive(account.address, STORAGE_FUNDS), funder, nonce++))
  }
  await Promise.all(pending)
}

/** Market collateral, bond and candidacy for one storage account; returns what it did. */
export async function setUpStorageAccount(api: ApiPromise, account: KeyringPair): Promise<string[]> {
  const done: string[] = []
  let nonce = await nextNonce(api, account)
  const pending: Promise<void>[] = []
  const benefits = (await api.query.benefits.marketBenefits(account.address)) as unknown as { total_funds?: { toBigInt(): bigint }; totalFunds?: { toBigInt(): bigint } }
  const collateral = (benefits.totalFunds ?? benefits.total_funds)?.toBigInt() ?? 0n
  if (collateral === 0n) {
    pending.push(submit(api, tx(api, 'benefits', 'addBenefitFunds', MARKET_COLLATERAL, 'MARKET'), account, nonce++))
    done.push('market collateral')
  }
  const bonded = await api.query.staking.bonded(account.address)
  if (bonded.isNone) {
    pending.push(submit(api, tx(api, 'staking', 'bond', account.address, STORAGE_BOND), account, nonce++))
    done.push('bond')
  }
  const validators = await api.query.staking.validators.keys()
  if (!validators.some((k) => k.args[0]?.toString() === account.address)) {
    pending.push(submit(api, tx(api, 'staking', 'validate', { guarantee_fee: 0 }), account, nonce++))
    done.push('validator candidacy')
  }
  await Promise.all(pending)
  return done
}
