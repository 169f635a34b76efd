/** The node's account key pair: a secret URI (inline or in a file), or a polkadot-js keystore file and its password file. */
import { readFileSync } from 'node:fs'
import type { KeyringPair } from '@polkadot/keyring/types'
import { loadSigner } from '@crust-ts/sdk'
import type { AccountConfig } from './config.js'
import { NodeConfigError } from './config.js'

/** The secret URI in `path` (surrounding whitespace dropped); its content is never echoed. */
export function readSuriFile(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new NodeConfigError(`account: cannot read the secret URI file ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, { path })
  }
  if (text === '') throw new NodeConfigError(`account: the secret URI file ${path} is empty`, { path })
  return text
}

export async function loadAccount(config: AccountConfig): Promise<KeyringPair> {
  const suri = config.suriFile === undefined ? config.suri : readSuriFile(config.suriFile)
  if (suri === undefined && config.keystore === undefined) {
    throw new NodeConfigError('account: give --account-file <file>, --keystore <file> or --account <secret URI>')
  }
  if (suri === undefined && config.passwordFile === undefined && config.password === undefined) {
    throw new NodeConfigError('--keystore needs --password-file <file> to unlock it (or a terminal to ask on)')
  }
  if (suri !== undefined) return loadSigner({ suri })
  return loadSigner({
    keystore: config.keystore!,
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.passwordFile === undefined ? {} : { passwordFile: config.passwordFile }),
  })
}
