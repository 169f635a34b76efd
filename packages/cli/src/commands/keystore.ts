/**
 * `crust key import` and `crust key export`: polkadot-js keystore JSON files (as polkadot.js apps
 * exports them) in a keystore folder, `<address>.json` with mode 0600. Secrets are never printed.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { decodeKeystore, encodeKeystore, type KeyringPair$Json, pairFromSuri, readKeystore, readPasswordFile } from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { asAddress, defaultKeystoreDir, keystorePath } from './account.js'

export interface KeyImportOptions {
  suri?: string
  passwordFile?: string
  keystoreDir?: string
  force: boolean
}

function password(file: string | undefined): string {
  if (file === undefined) throw new CliError('CLI_ERROR_NO_PASSWORD_FILE', 'give the keystore password with --password-file')
  const text = readPasswordFile(file)
  if (text === '') throw new CliError('CLI_ERROR_NO_PASSWORD_FILE', `the password file ${file} is empty`)
  return text
}

/** Writes a keystore into the folder; returns its path. */
function store(dir: string, address: string, json: KeyringPair$Json, force: boolean): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = keystorePath(dir, address)
  if (!force && existsSync(path)) throw new CliError('CLI_ERROR_KEY_EXISTS', `${path} exists: pass --force to replace it`)
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 })
  chmodSync(path, 0o600)
  return path
}

/** Imports a keystore file (checked against its password) or a secret URI (encrypted with the password). */
export async function keyImportCommand(file: string | undefined, opts: KeyImportOptions, write: (s: string) => void): Promise<void> {
  if ((file === undefined) === (opts.suri === undefined)) throw new CliError('CLI_ERROR_KEY_SOURCE', 'give either a keystore JSON file or --suri')
  const pass = password(opts.passwordFile)
  const dir = opts.keystoreDir ?? defaultKeystoreDir()
  let json: KeyringPair$Json
  let address: string
  if (file !== undefined) {
    json = readKeystore(file)
    address = (await decodeKeystore(json, pass)).address
  } else {
    const pair = await pairFromSuri(opts.suri!)
    json = encodeKeystore(pair, pass)
    address = pair.address
  }
  write(`imported ${address} into ${store(dir, address, json, opts.force)}\n`)
}

/** Prints the keystore JSON of an address in the folder, or of a secret URI encrypted with the password. */
export async function keyExportCommand(
  addressOrSuri: string,
  opts: { passwordFile?: string; keystoreDir?: string },
  write: (s: string) => void,
): Promise<void> {
  const pass = password(opts.passwordFile)
  const address = asAddress(addressOrSuri)
  let json: KeyringPair$Json
  if (address !== undefined) {
    const path = keystorePath(opts.keystoreDir ?? defaultKeystoreDir(), address)
    if (!existsSync(path)) throw new CliError('CLI_ERROR_NO_KEY', `no keystore for ${address} in ${opts.keystoreDir ?? defaultKeystoreDir()}`)
    json = readKeystore(path)
    await decodeKeystore(json, pass)
  } else {
    json = encodeKeystore(await pairFromSuri(addressOrSuri), pass)
  }
  write(`${JSON.stringify(json, null, 2)}\n`)
}
