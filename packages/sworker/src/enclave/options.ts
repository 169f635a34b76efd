import { availableParallelism } from 'node:os'
import { DEV_ENCLAVE_CODE } from '@crust-ts/protocol'
import type { AttestationAuthority } from './interface.js'

/** Construction options of {@link SoftwareEnclave}. */
export interface SoftwareEnclaveInit {
  /** Data folder holding the node secret and the encrypted identity (created if missing). */
  dataDir: string
  /** Who vouches for the enclave's report body. */
  authority: AttestationAuthority
  /** Enclave code claimed in the attestation (default: the dev enclave code). */
  code?: Uint8Array
  /**
   * Worker threads that verify, encrypt and hash blocks being sealed, beside the caller's I/O
   * (default: 2, or 1 on a single core); 0 seals on the calling thread.
   */
  sealThreads?: number
}

export const defaultSoftwareEnclaveOptions = {
  code: DEV_ENCLAVE_CODE as Uint8Array,
  sealThreads: Math.min(2, availableParallelism()),
}
