/** EVM personal-sign (EIP-191) signatures over the address, recovered with secp256k1 + keccak. */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { W3AuthCredentials } from './interface.js'

/** Aliases Crust accepts for ethereum-style tokens. */
export const ETHEREUM_ALIASES = ['ethereum', 'eth', 'polygon', 'pol']

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const SIGNATURE = /^(0x)?[0-9a-fA-F]{130}$/

/** keccak256("\x19Ethereum Signed Message:\n" + len + message). */
export function personalMessageHash(message: Uint8Array): Uint8Array {
  const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`)
  const data = new Uint8Array(prefix.length + message.length)
  data.set(prefix)
  data.set(message, prefix.length)
  return keccak_256(data)
}

/** The `0x…` address (lower case) of an uncompressed secp256k1 public key. */
export function ethereumAddress(uncompressedPublicKey: Uint8Array): string {
  return `0x${bytesToHex(keccak_256(uncompressedPublicKey.subarray(1)).subarray(12))}`
}

function recover(hash: Uint8Array, sig: Uint8Array): string | undefined {
  let v = sig[64]!
  if (v >= 27) v -= 27
  if (v !== 0 && v !== 1) return undefined
  try {
    const point = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact').addRecoveryBit(v).recoverPublicKey(hash)
    return ethereumAddress(point.toBytes(false))
  } catch {
    return undefined
  }
}

/**
 * Accepts `wallet.signMessage(address)` (the address string, MyCrypto/MetaMask) and the
 * MyEtherWallet form (the address's 20 bytes), as Crust's handler does.
 */
export function verifyEthereum({ address, signature, message: signed }: W3AuthCredentials): boolean {
  if (!ADDRESS.test(address) || !SIGNATURE.test(signature)) return false
  const sig = hexToBytes(signature.replace(/^0x/, ''))
  const expected = address.toLowerCase()
  // The expiring form signs `<address>:<expiry>` as text only.
  const messages = signed === address ? [utf8ToBytes(address), hexToBytes(address.slice(2))] : [utf8ToBytes(signed)]
  for (const message of messages) {
    if (recover(personalMessageHash(message), sig) === expected) return true
  }
  return false
}
