import { CrustError } from '@crust-ts/base'

/** Codes of {@link SealedStoreError}. */
export const SealedStoreErrorCode = {
  OPEN_FAILED: 'SWORKER_ERROR_STORE_OPEN_FAILED',
  VERSION_MISMATCH: 'SWORKER_ERROR_STORE_VERSION_MISMATCH',
} as const

/** Thrown when the sealed store cannot be opened (unusable folder, other format version). */
export class SealedStoreError extends CrustError {}
