/**
 * The dev network's on-chain setup for its storage accounts: funds (beyond the genesis ones),
 * market collateral in `benefits` (so first reporters earn rewards), and a bond plus a validator
 * candidacy in `staking` (so each node's stake limit follows its proven storage). Idempotent: a
 * resumed network skips what is already done.
 */
import type { ApiPromise } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { callOf, submitTx } from '@crust-ts/node'
import { CliError } from '../../errors.js'

export const CRU = 10n ** 12n
export const STORAGE_FUNDS = 100_000n * CRU
export const MARKET_COLLATERAL = 1_000n * CRU
export const STORAGE_BOND = 1_000n * CRU

async function submit(api: ApiPromise, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<void> {
  const error = await submitTx(api, tx, signer)
  if (error !== undefined) throw new CliError('CLI_ERROR_DEV_SETUP', `${tx.method.section}.${tx.method.method} from ${signer.address} failed: ${error}`)
}

/** Funds accounts that have less than the storage funds (only the ones beyond the genesis set need it). */
export async function fundAccounts(api: ApiPromise, funder: KeyringPair, accounts: KeyringPair[]): Promise<void> {
  for (const account of accounts) {
    const { data } = await api.query.system.account(account.address)
    if (data.free.toBigInt() < STORAGE_FUNDS) await submit(api, api.tx.balances.transferKeepAlive(account.address, STORAGE_FUNDS), funder)
  }
}

/** Market collateral, bond and candidacy for one storage account; returns what it did. */
export async function setUpStorageAccount(api: ApiPromise, account: KeyringPair, options: { candidate: boolean } = { candidate: true }): Promise<string[]> {
  const done: string[] = []
  const benefits = (await api.query.benefits.marketBenefits(account.address)).toJSON() as { totalFunds?: number | string }
  if (BigInt(benefits.totalFunds ?? 0) === 0n) {
    await submit(api, callOf(api, 'benefits', 'addBenefitFunds', MARKET_COLLATERAL, 'MARKET'), account)
    done.push('market collateral')
  }
  if ((await api.query.staking.bonded(account.address)).isNone) {
    await submit(api, callOf(api, 'staking', 'bond', account.address, STORAGE_BOND), account)
    done.push('bond')
  }
  const validators = options.candidate ? await api.query.staking.validators.keys() : []
  if (options.candidate && !validators.some((k) => k.args[0]?.toString() === account.address)) {
    await submit(api, callOf(api, 'staking', 'validate', { guarantee_fee: 0 }), account)
    done.push('validator candidacy')
  }
  return done
}
