import { CrustError } from '@crust-ts/base'

/** Codes of {@link SrdError}. */
export const SrdErrorCode = {
  /** A unit cannot be written to or removed from the SRD folder. */
  IO: 'SWORKER_ERROR_SRD_IO',
  /** `change` was called with something other than an integer. */
  INVALID_CHANGE: 'SWORKER_ERROR_SRD_INVALID_CHANGE',
  /** Growing by the asked units would leave less free disk than the reserve (nothing added, or the units added before the disk filled). */
  NO_ROOM: 'SWORKER_ERROR_SRD_NO_ROOM',
  /** The caller's signal aborted the change. */
  ABORTED: 'SWORKER_ERROR_SRD_ABORTED',
} as const

/** Thrown by {@link Srd}: see {@link SrdErrorCode} for when. */
export class SrdError extends CrustError {}
