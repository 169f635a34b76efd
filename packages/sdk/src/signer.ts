/**
 * Accounts: dev `//Name` URIs, mnemonics and hex seeds, and polkadot-js keystore JSON (the format
 * polkadot.js apps exports: `pair.toJson(password)`), all sr25519 with Crust's SS58 prefix.
 */
import { readFileSync } from 'node:fs'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types'
import { isHex } from '@polkadot/util'
import { cryptoWaitReady, keyExtractSuri, mnemonicValidate } from '@polkadot/util-crypto'
import { SS58_PREFIX } from './constants.js'
import { SdkError } from './errors.js'

export type { KeyringPair, KeyringPair$Json }

export interface LoadSignerParameters {
  /** A secret URI: `//Alice`, a mnemonic (optionally with a derivation path) or a 0x-prefixed 32-byte seed. */
  suri?: string
  /** Path of a polkadot-js keystore JSON file. */
  keystore?: string
  /** The keystore's password. */
  password?: string
  /** A file whose content (without its final newline) is the keystore's password. */
  passwordFile?: string
}
export type LoadSignerReturnType = KeyringPair
export type LoadSignerErrorType = SdkError

const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk'

function keyring(): Keyring {
  return new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX })
}

/**
 * The phrase part of a secret URI must be a BIP39 mnemonic, a 32-byte hex seed or empty (the dev
 * phrase, as in `//Alice`): the keyring would otherwise hash any text into a key, and a typo would
 * silently name a different, empty account.
 */
function assertUsableSuri(suri: string): void {
  let phrase: string
  try {
    phrase = keyExtractSuri(suri.startsWith('/') ? `${DEV_PHRASE}${suri}` : suri).phrase
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_SURI', 'cannot parse that secret URI', undefined, { cause: err })
  }
  if (isHex(phrase) ? phrase.length === 66 : mnemonicValidate(phrase)) return
  throw new SdkError('SDK_ERROR_BAD_SURI', 'that secret URI is neither a valid mnemonic, a 0x-prefixed 32-byte seed, nor a //Name dev path')
}

/** The key pair of a secret URI (never echoed in errors). */
export async function pairFromSuri(suri: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  assertUsableSuri(suri)
  try {
    return keyring().addFromUri(suri)
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_SURI', 'cannot derive a key from that secret URI', undefined, { cause: err })
  }
}

/** Reads a password file: its content without one final newline. */
export function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    throw new SdkError('SDK_ERROR_NO_PASSWORD', `cannot read the password file ${path}`, { path }, { cause: err })
  }
}

/** Parses keystore JSON text and checks it has the fields polkadot-js keystores have. */
export function parseKeystore(text: string, source = 'keystore'): KeyringPair$Json {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_KEYSTORE', `${source} is not JSON`, undefined, { cause: err })
  }
  const j = json as Partial<KeyringPair$Json> | null
  if (j === null || typeof j !== 'object' || typeof j.address !== 'string' || typeof j.encoded !== 'string' || typeof j.encoding !== 'object') {
    throw new SdkError('SDK_ERROR_BAD_KEYSTORE', `${source} is not a polkadot-js keystore (address, encoded, encoding)`)
  }
  return j as KeyringPair$Json
}

/** Reads and parses a keystore file. */
export function readKeystore(path: string): KeyringPair$Json {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_KEYSTORE', `cannot read the keystore ${path}`, { path }, { cause: err })
  }
  return parseKeystore(text, path)
}

function isEncrypted(json: KeyringPair$Json): boolean {
  const content = json.encoding.content
  const type = Array.isArray(json.encoding.type) ? json.encoding.type : [json.encoding.type]
  return Array.isArray(content) && !type.includes('none')
}

/** Decrypts a keystore into an unlocked key pair; a wrong password → `SDK_ERROR_BAD_PASSWORD`. */
export async function decodeKeystore(json: KeyringPair$Json, password?: string): Promise<KeyringPair> {
  await cryptoWaitReady()
  let pair: KeyringPair
  try {
    pair = keyring().addFromJson(json)
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_KEYSTORE', `the keystore of ${json.address} cannot be loaded: ${(err as Error).message}`, undefined, { cause: err })
  }
  if (isEncrypted(json) && password === undefined) {
    throw new SdkError('SDK_ERROR_NO_PASSWORD', `the keystore of ${pair.address} is encrypted: give its password`)
  }
  try {
    pair.decodePkcs8(password)
  } catch (err) {
    throw new SdkError('SDK_ERROR_BAD_PASSWORD', `wrong password for the keystore of ${pair.address}`, { address: pair.address }, { cause: err })
  }
  return pair
}

/** Encrypts an unlocked key pair as polkadot-js keystore JSON (what polkadot.js apps exports). */
export function encodeKeystore(pair: KeyringPair, password: string): KeyringPair$Json {
  if (password === '') throw new SdkError('SDK_ERROR_NO_PASSWORD', 'a keystore needs a non-empty password')
  return pair.toJson(password)
}

/** Loads the signing account from a secret URI or an encrypted keystore file. */
export async function loadSigner(params: LoadSignerParameters): Promise<LoadSignerReturnType> {
  if (params.keystore !== undefined) {
    const password = params.password ?? (params.passwordFile === undefined ? undefined : readPasswordFile(params.passwordFile))
    return decodeKeystore(readKeystore(params.keystore), password)
  }
  if (params.suri !== undefined) return pairFromSuri(params.suri)
  throw new SdkError('SDK_ERROR_NO_ACCOUNT', 'no account: give a secret URI or a keystore')
}
