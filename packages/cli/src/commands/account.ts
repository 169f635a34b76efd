/** The signing account of a command: `--account <suri>` or `--keystore <file|address> --password-file <file>`. */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { type KeyringPair, loadSigner, SS58_PREFIX } from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { promptPassword } from './password-prompt.js'

/** Where `crust key import` puts keystores unless told otherwise. */
export function defaultKeystoreDir(): string {
  return join(homedir(), '.crust-ts', 'keystore')
}

export interface AccountOptions {
  account?: string
  keystore?: string
  passwordFile?: string
  keystoreDir?: string
}

/** The SS58 (prefix 66) form of an address, or undefined when `text` is not an address. */
export function asAddress(text: string): string | undefined {
  if (text.startsWith('/') || /\s/.test(text)) return undefined
  try {
    return encodeAddress(decodeAddress(text), SS58_PREFIX)
  } catch {
    return undefined
  }
}

/** The keystore file of an address in a keystore folder. */
export function keystorePath(dir: string, address: string): string {
  return join(dir, `${address}.json`)
}

/** Loads the account: a keystore (a file, or an address in the keystore folder) or a secret URI (default //Alice). */
export async function signerFrom(opts: AccountOptions): Promise<KeyringPair> {
  if (opts.keystore !== undefined) {
    if (opts.account !== undefined) throw new CliError('CLI_ERROR_ACCOUNT', 'give either --account or --keystore, not both')
    let file = opts.keystore
    const address = existsSync(file) ? undefined : asAddress(file)
    if (address !== undefined) file = keystorePath(opts.keystoreDir ?? defaultKeystoreDir(), address)
    if (opts.passwordFile === undefined) return loadSigner({ keystore: file, password: await promptPassword(`password of ${file}: `) })
    return loadSigner({ keystore: file, passwordFile: opts.passwordFile })
  }
  return loadSigner({ suri: opts.account ?? '//Alice' })
}
