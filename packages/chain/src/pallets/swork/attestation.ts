/**
 * Enclave attestation for `swork.register`. Crust checks an Intel IAS report (X.509 chain to Intel's
 * root, RSA signature over the report body); Intel has retired EPID attestation, so the chain spec
 * names an attestation authority whose P-256 key stands in for Intel's. The check sits behind
 * {@link AttestationVerifier} so a TEE quote verifier (DCAP) can replace it.
 */
import type { StorageReader } from '../../frame/storage.js'
import { AttestationAuthority } from './storage.js'
import { sameBytes } from './types.js'
import { sworkWire, verifyP256, verifySworkerSignature } from '@crust-ts/protocol'

/** The arguments of `register`, as the sWorker sends them. */
export interface AttestationEvidence {
  ias_sig: Uint8Array
  ias_cert: Uint8Array
  /** The account the enclave binds itself to (32 bytes). */
  applier: Uint8Array
  isv_body: Uint8Array
  sig: Uint8Array
}

/** What a valid attestation proves: the enclave's code (MRENCLAVE) and its P-256 key (Crust's 64-byte form). */
export interface AttestedEnclave {
  code: Uint8Array
  pubkey: Uint8Array
}

/**
 * Checks an enclave's attestation evidence: that a trusted party vouches for the report body, and
 * that the enclave key in it signed the binding to `applier`. Whether the code is whitelisted is the
 * pallet's check. Must be synchronous and deterministic.
 */
export interface AttestationVerifier {
  readonly name: string
  /** The attested enclave, or undefined when the evidence does not verify. */
  verify(state: StorageReader, evidence: AttestationEvidence): AttestedEnclave | undefined
}

/**
 * The attestation authority stand-in for Intel's IAS:
 * - `ias_cert` is the authority's public key, 65 bytes uncompressed SEC1 (0x04 ‖ x ‖ y), and must
 *   equal `Swork.AttestationAuthority` (set in genesis, changeable by root);
 * - `ias_sig` is the authority's ECDSA P-256 / SHA-256 signature over `isv_body`, raw 64 bytes
 *   r ‖ s big-endian (IEEE P1363; node's `dsaEncoding: 'ieee-p1363'`), not DER;
 * - `isv_body` is JSON whose `isvEnclaveQuoteBody` (base64, 432 bytes) holds the enclave code at
 *   bytes 112..144 and the enclave public key (Crust's little-endian form) at 368..432;
 * - `sig` is the enclave key's signature, in Crust's little-endian r ‖ s form, over
 *   ias_cert ‖ ias_sig ‖ isv_body ‖ applier.
 */
export const authorityAttestationVerifier: AttestationVerifier = {
  name: 'p256-authority',
  verify(state, evidence) {
    const authority = AttestationAuthority.get(state)
    if (authority === undefined || !sameBytes(authority, evidence.ias_cert)) return undefined
    if (!verifyP256(authority, evidence.isv_body, evidence.ias_sig)) return undefined
    const enclave = sworkWire.parseIsvBody(evidence.isv_body)
    if (enclave === undefined) return undefined
    const bound = sworkWire.registerPayload(evidence.ias_cert, evidence.ias_sig, evidence.isv_body, evidence.applier)
    if (!verifySworkerSignature(enclave.pubkey, bound, evidence.sig)) return undefined
    return enclave
  },
}
