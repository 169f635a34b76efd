import type { ComponentLogger } from '@crust-ts/base'
import type { AttestationAuthority } from '../enclave/interface.js'
import type { SealerInit } from '../seal/options.js'
import type { FreeSpace } from '../srd/options.js'

/** Construction options of {@link Sworker}. */
export interface SworkerInit {
  /** The node's sWorker data folder: node secret, encrypted identity, sealed store (`sealed/`), SRD units (`srd/`). */
  dataDir: string
  /** Who vouches for the enclave (the dev authority, or a public-only one in production). */
  authority: AttestationAuthority
  /** Enclave code claimed in the attestation (default: the dev enclave code). */
  code?: Uint8Array
  /** SRD unit size in bytes (default 1 GiB). */
  srdUnitSize?: number
  /** Free disk bytes SRD never takes (default: one unit, at least 1 GiB). */
  srdReserveBytes?: number
  /** Free bytes under the SRD folder (default statfs; tests inject a figure). */
  srdFreeSpace?: FreeSpace
  sealer?: SealerInit
  /** Seal worker threads of the software enclave (default 2, or 1 on one core; 0 seals on the main thread). */
  sealThreads?: number
  logger?: ComponentLogger
}

/** Sub-folders of the data folder. */
export const SEALED_STORE_DIR = 'sealed'
export const SRD_DIR = 'srd'
