/** The signing account of a command: `--account <suri>` or `--keystore <file|address> --password-file <file>`. */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { type KeyringPair, loadSigner, SS58_PREFIX } from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { isDevChain } from './dev-chain.js'
import { promptPassword } from './password-prompt.js'
import { secretFromFlags } from './secret-file.js'

/** Where `crust key import` puts keystores unless told otherwise. */
export function defaultKeystoreDir(): string {
  return join(homedir(), '.crust-ts', 'keystore')
}

export interface AccountOptions {
  account?: string
  /** A file holding the secret URI (kept off the command line). */
  accountFile?: string
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

/** The dev account that pays when none is given, on the dev chain only. */
export const DEV_PAYING_ACCOUNT = '//Alice'

/**
 * Loads the account: a keystore (a file, or an address in the keystore folder) or a secret URI
 * (`--account`, `--account-file`). With none, //Alice only when `opts.chain` is the dev chain.
 */
export async function signerFrom(opts: AccountOptions & { chain?: string }): Promise<KeyringPair> {
  const suri = secretFromFlags(opts.account, opts.accountFile, '--account')
  if (opts.keystore !== undefined) {
    if (suri !== undefined) throw new CliError('CLI_ERROR_ACCOUNT', 'give either --account(-file) or --keystore, not both')
    let file = opts.keystore
    const address = existsSync(file) ? undefined : asAddress(file)
    if (address !== undefined) file = keystorePath(opts.keystoreDir ?? defaultKeystoreDir(), address)
    if (opts.passwordFile === undefined) return loadSigner({ keystore: file, password: await promptPassword(`password of ${file}: `) })
    return loadSigner({ keystore: file, passwordFile: opts.passwordFile })
  }
  if (suri !== undefined) return loadSigner({ suri })
  if (opts.chain === undefined || !(await isDevChain(opts.chain))) {
    throw new CliError(
      'CLI_ERROR_NO_ACCOUNT',
      `no paying account: pass --account-file <file> (or --keystore <file|address>, or --account <secret URI>); ${DEV_PAYING_ACCOUNT} is the default only on the dev chain`,
    )
  }
  return loadSigner({ suri: DEV_PAYING_ACCOUNT })
}
