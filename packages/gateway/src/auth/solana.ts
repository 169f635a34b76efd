/** Solana/NEAR-style ed25519 signatures over the address; the base58 address is the public key. */
import { ed25519 } from '@noble/curves/ed25519.js'
import { base58btc } from 'multiformats/bases/base58'
import type { W3AuthCredentials } from './interface.js'

/** Aliases Crust accepts for solana-style tokens. */
export const SOLANA_ALIASES = ['solana', 'sol', 'near', 'nea']

const HEX_SIGNATURE = /^(0x)?[0-9a-fA-F]{128}$/

function signatureBytes(signature: string): Uint8Array {
  if (HEX_SIGNATURE.test(signature)) return Uint8Array.from(Buffer.from(signature.replace(/^0x/, ''), 'hex'))
  return base58btc.baseDecode(signature)
}

/** Signature as hex (Crust's form) or base58 (what wallets print). */
export function verifySolana({ address, signature, message }: W3AuthCredentials): boolean {
  const publicKey = base58btc.baseDecode(address)
  if (publicKey.length !== 32) return false
  const sig = signatureBytes(signature)
  if (sig.length !== 64) return false
  return ed25519.verify(sig, new TextEncoder().encode(message), publicKey)
}
