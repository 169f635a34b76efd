/**
 * P-256 ECDSA (SHA-256) verification through node:crypto, synchronous. Malformed keys or
 * signatures verify as false (Crust's verifier panics on them instead).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { P256_PUBLIC_KEY_LENGTH, SWORKER_KEY_LENGTH } from './constants.js'
import { sworkerToPublicKey, sworkerToSignature } from './wire.js'

const b64url = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')

/** A KeyObject for an uncompressed SEC1 P-256 public key; undefined if it is not a point on the curve. */
export function p256KeyObject(uncompressed: Uint8Array): KeyObject | undefined {
  if (uncompressed.length !== P256_PUBLIC_KEY_LENGTH || uncompressed[0] !== 4) return undefined
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64url(uncompressed.subarray(1, 33)), y: b64url(uncompressed.subarray(33, 65)) },
      format: 'jwk',
    })
  } catch {
    return undefined
  }
}

/** Verifies an IEEE P1363 signature (r ‖ s, big-endian) by an uncompressed SEC1 P-256 key over SHA-256(data). */
export function verifyP256(uncompressed: Uint8Array, data: Uint8Array, rs: Uint8Array): boolean {
  if (rs.length !== SWORKER_KEY_LENGTH) return false
  const key = p256KeyObject(uncompressed)
  if (key === undefined) return false
  try {
    return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, rs)
  } catch {
    return false
  }
}

/** Verifies a signature in Crust's little-endian form by a key in Crust's little-endian form (`utils::verify_p256_sig`). */
export function verifySworkerSignature(pk: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (pk.length !== SWORKER_KEY_LENGTH || sig.length !== SWORKER_KEY_LENGTH) return false
  return verifyP256(sworkerToPublicKey(pk), data, sworkerToSignature(sig))
}
