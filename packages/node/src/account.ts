/** The node's account key pair: a secret URI, or a polkadot-js keystore file and its password file. */
import type { KeyringPair } from '@polkadot/keyring/types'
import { loadSigner } from '@crust-ts/sdk'
import type { AccountConfig } from './config.js'
import { NodeConfigError } from './config.js'

export async function loadAccount(config: AccountConfig): Promise<KeyringPair> {
  if (config.suri === undefined && config.keystore === undefined) throw new NodeConfigError('account: give --account <secret URI> or --keystore <file>')
  if (config.suri === undefined && config.passwordFile === undefined && config.password === undefined) {
    throw new NodeConfigError('--keystore needs --password-file <file> to unlock it (or a terminal to ask on)')
  }
  return loadSigner(config)
}
