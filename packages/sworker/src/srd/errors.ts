import { CrustError } from '@crust-ts/base'

/** Codes of {@link SrdError}. */
export const SrdErrorCode = {
  /** A unit cannot be written to or removed from the SRD folder. */
  IO: 'SWORKER_ERROR_SRD_IO',
  /** `change` was called with something other than an integer. */
  INVALID_CHANGE: 'SWORKER_ERROR_SRD_INVALID_CHANGE',
  /** The caller's signal aborted the change. */
  ABORTED: 'SWORKER_ERROR_SRD_ABORTED',
} as const

/** Thrown by {@link Srd}: see {@link SrdErrorCode} for when. */
export class SrdError extends CrustError {}
