/** Substrate signatures (sr25519, ed25519, ecdsa) over the address, raw or `<Bytes>`-wrapped (polkadot extension). */
import { u8aToHex } from '@polkadot/util'
import { decodeAddress, signatureVerify } from '@polkadot/util-crypto'
import type { W3AuthCredentials } from './interface.js'

/** Aliases Crust accepts for substrate-style tokens. */
export const SUBSTRATE_ALIASES = ['substrate', 'sub', 'crust', 'cru']

export function verifySubstrate({ address, signature }: W3AuthCredentials): boolean {
  const publicKey = u8aToHex(decodeAddress(address))
  const sig = signature.startsWith('0x') ? signature : `0x${signature}`
  for (const message of [address, `<Bytes>${address}</Bytes>`]) {
    if (signatureVerify(message, sig, publicKey).isValid) return true
  }
  return false
}
