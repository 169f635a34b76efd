import { CrustError } from '@crust-ts/base'

/** Codes of {@link ReportError}. */
export const ReportErrorCode = {
  /** `commitReport` was called with no report built since the last commit. */
  NOTHING_TO_COMMIT: 'SWORKER_ERROR_REPORT_NOTHING_TO_COMMIT',
} as const

/** Thrown by the work reporter: see {@link ReportErrorCode} for when. */
export class ReportError extends CrustError {}
