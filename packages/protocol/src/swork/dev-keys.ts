/**
 * Well-known development secrets, as `//Alice` is for accounts: the dev attestation authority that
 * stands in for Intel's attestation service, and the dev enclave code. Production chain specs carry
 * only the authority's public key; its secret never leaves the operator.
 */
import { createECDH, createHash } from 'node:crypto'

/** Seed of the dev attestation authority's P-256 key (sha256 of a public phrase). */
export const DEV_ATTESTATION_AUTHORITY_SECRET = createHash('sha256').update('crust-ts dev attestation authority').digest()

/** The dev enclave code (MRENCLAVE stand-in), whitelisted in dev and local genesis. */
export const DEV_ENCLAVE_CODE = createHash('sha256').update('crust-ts software enclave v1').digest()

/** The uncompressed (0x04-prefixed, 65-byte) P-256 public key of a 32-byte secret. */
export function p256PublicKey(secret: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(secret)
  return new Uint8Array(ecdh.getPublicKey())
}

export const DEV_ATTESTATION_AUTHORITY_PUBLIC = p256PublicKey(DEV_ATTESTATION_AUTHORITY_SECRET)
