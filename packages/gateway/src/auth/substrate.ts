/** Substrate signatures (sr25519, ed25519, ecdsa) over the address (or the expiring message), raw or `<Bytes>`-wrapped (polkadot extension). */
import { u8aToHex } from '@polkadot/util'
import { decodeAddress, signatureVerify } from '@polkadot/util-crypto'
import type { W3AuthCredentials } from './interface.js'

/** Aliases Crust accepts for substrate-style tokens. */
export const SUBSTRATE_ALIASES = ['substrate', 'sub', 'crust', 'cru']

export function verifySubstrate({ address, signature, message: signed }: W3AuthCredentials): boolean {
  const publicKey = u8aToHex(decodeAddress(address))
  const sig = signature.startsWith('0x') ? signature : `0x${signature}`
  for (const message of [signed, `<Bytes>${signed}</Bytes>`]) {
    if (signatureVerify(message, sig, publicKey).isValid) return true
  }
  return false
}

/**
 * One substrate key, one account: an SS58 address under any prefix (66 Crust, 42 generic, 0
 * Polkadot, ...) or a hex public key all become the public key, `0x` + 64 hex digits.
 */
export function normalizeSubstrateAddress(address: string): string {
  return u8aToHex(decodeAddress(address))
}
