import { createPrivateKey, type KeyObject, sign } from 'node:crypto'
import { DEV_ATTESTATION_AUTHORITY_SECRET, p256PublicKey } from '@crust-ts/protocol'
import { EnclaveError, EnclaveErrorCode } from './errors.js'
import type { AttestationAuthority } from './interface.js'

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/** A node KeyObject for a raw 32-byte P-256 secret. */
export function p256PrivateKey(secret: Uint8Array): KeyObject {
  const pub = p256PublicKey(secret)
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64url(secret), x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) },
    format: 'jwk',
  })
}

/** ECDSA P-256 / SHA-256, raw r ‖ s big-endian (IEEE P1363). */
export function signP1363(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }))
}

/**
 * An attestation authority holding its secret: the dev authority (default secret: the chain's
 * well-known `DEV_ATTESTATION_AUTHORITY_SECRET`) used by `crust dev` and the tests.
 */
export function devAttestationAuthority(secret: Uint8Array = DEV_ATTESTATION_AUTHORITY_SECRET): AttestationAuthority {
  const key = p256PrivateKey(secret)
  return {
    publicKey: p256PublicKey(secret),
    async vouch(isvBody) {
      return signP1363(key, isvBody)
    },
  }
}

/**
 * An authority known only by its public key, as a production chain spec carries it: the software
 * enclave cannot be attested by it, so `vouch` throws `SWORKER_ERROR_ATTESTATION_UNAVAILABLE`.
 */
export function publicAttestationAuthority(publicKey: Uint8Array): AttestationAuthority {
  return {
    publicKey,
    async vouch() {
      throw new EnclaveError(
        EnclaveErrorCode.ATTESTATION_UNAVAILABLE,
        'this chain trusts an attestation authority whose secret is not here: registration needs a hardware TEE backend (the software enclave can only be attested by the dev authority)',
      )
    },
  }
}
