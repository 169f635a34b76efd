import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import type { KeyringPair } from '@polkadot/keyring/types'
import { isHex } from '@polkadot/util'
import { cryptoWaitReady, keyExtractSuri, mnemonicGenerate, mnemonicValidate } from '@polkadot/util-crypto'
import { SS58_PREFIX } from '@crust-ts/sdk/units'
import { CliError } from '../errors.js'
import type { KeyScheme } from './key-scheme.js'

export { type KeyScheme, parseScheme } from './key-scheme.js'

/** What `crust key generate` and `crust key inspect` print. */
export interface KeyInfo {
  secretPhrase?: string
  suri: string
  scheme: KeyScheme
  publicKey: string
  accountId: string
  ss58Address: string
}

/** Derives the key of a secret URI (mnemonic, hex seed, or `//Dev` path) and describes it. */
export async function inspectKey(suri: string, scheme: KeyScheme = 'sr25519', ss58Prefix = SS58_PREFIX): Promise<KeyInfo> {
  await cryptoWaitReady()
  const keyring = new Keyring({ type: scheme, ss58Format: ss58Prefix })
  assertUsablePhrase(suri)
  let pair: KeyringPair
  try {
    pair = keyring.addFromUri(suri)
  } catch (err) {
    throw new CliError('CLI_ERROR_BAD_SURI', `cannot derive a key from that secret URI: ${(err as Error).message}`)
  }
  return {
    suri: suri.startsWith('//') ? suri : '<hidden>',
    scheme,
    publicKey: u8aToHex(pair.publicKey),
    accountId: u8aToHex(pair.addressRaw),
    ss58Address: pair.address,
  }
}

/** Makes a new 12-word mnemonic and describes its key. */
export async function generateKey(scheme: KeyScheme = 'sr25519', ss58Prefix = SS58_PREFIX): Promise<KeyInfo> {
  await cryptoWaitReady()
  const phrase = mnemonicGenerate(12)
  if (!mnemonicValidate(phrase)) throw new CliError('CLI_ERROR_INTERNAL', 'generated an invalid mnemonic')
  const info = await inspectKey(phrase, scheme, ss58Prefix)
  return { ...info, secretPhrase: phrase, suri: '<the secret phrase>' }
}

/**
 * The phrase part of a secret URI must be a BIP39 mnemonic, a 32-byte hex seed, or empty (the dev
 * phrase, as in `//Alice`). Keyring would otherwise hash any text into a key, and a typo in a
 * phrase would silently name a different, empty account.
 */
function assertUsablePhrase(suri: string): void {
  let phrase: string
  try {
    phrase = keyExtractSuri(
      suri.startsWith('//') || suri.startsWith('/') ? `bottom drive obey lake curtain smoke basket hold race lonely fit walk${suri}` : suri,
    ).phrase
  } catch (err) {
    throw new CliError('CLI_ERROR_BAD_SURI', `cannot parse that secret URI: ${(err as Error).message}`)
  }
  if (isHex(phrase) ? phrase.length === 66 : mnemonicValidate(phrase)) return
  throw new CliError('CLI_ERROR_BAD_SURI', 'that secret URI is neither a valid mnemonic, a 0x-prefixed 32-byte seed, nor a //Name dev path')
}
