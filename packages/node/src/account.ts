/** The node's account key pair, from a secret URI or a polkadot-js keystore file. */
import { readFileSync } from 'node:fs'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import type { AccountConfig } from './config.js'
import { NodeConfigError } from './config.js'

export async function loadAccount(config: AccountConfig): Promise<KeyringPair> {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  if (config.suri !== undefined) {
    try {
      return keyring.addFromUri(config.suri)
    } catch (err) {
      throw new NodeConfigError(`--account: not a valid secret URI: ${(err as Error).message}`)
    }
  }
  if (config.keystore === undefined) throw new NodeConfigError('account: give --account <secret URI> or --keystore <file>')
  if (config.passwordFile === undefined) throw new NodeConfigError('--keystore needs --password-file <file> to unlock it')
  let json: KeyringPair$Json
  let password: string
  try {
    json = JSON.parse(readFileSync(config.keystore, 'utf8')) as KeyringPair$Json
    password = readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    throw new NodeConfigError(`cannot read the keystore: ${(err as Error).message}`)
  }
  try {
    const pair = keyring.addFromJson(json)
    pair.decodePkcs8(password)
    return pair
  } catch {
    throw new NodeConfigError(`cannot unlock ${config.keystore}: wrong password or not a polkadot-js keystore file`)
  }
}
