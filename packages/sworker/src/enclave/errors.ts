import { CrustError } from '@crust-ts/base'

/** Codes of {@link EnclaveError}. */
export const EnclaveErrorCode = {
  /** The identity file exists but cannot be decrypted with the node secret (wrong or missing secret, damaged file). */
  IDENTITY_UNREADABLE: 'SWORKER_ERROR_IDENTITY_UNREADABLE',
  /** The data folder cannot hold the enclave's secrets. */
  SECRET_IO: 'SWORKER_ERROR_SECRET_IO',
  /** The attestation authority holds only a public key: attestation needs a hardware TEE backend. */
  ATTESTATION_UNAVAILABLE: 'SWORKER_ERROR_ATTESTATION_UNAVAILABLE',
  /** A sealed block does not decrypt (wrong key, altered bytes, other CID). */
  UNSEAL_FAILED: 'SWORKER_ERROR_UNSEAL_FAILED',
  /** A seal worker thread failed or stopped (the enclave was closed) while sealing a block. */
  SEAL_FAILED: 'SWORKER_ERROR_ENCLAVE_SEAL_FAILED',
  /** An argument is malformed (applier length, SRD offset alignment). */
  INVALID_ARGUMENT: 'SWORKER_ERROR_ENCLAVE_INVALID_ARGUMENT',
} as const

/** Thrown by an {@link Enclave}: see {@link EnclaveErrorCode} for when. */
export class EnclaveError extends CrustError {}
