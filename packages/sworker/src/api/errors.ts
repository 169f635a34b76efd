import { CrustError } from '@crust-ts/base'

/**
 * Codes of {@link SworkerApiError}, also sent as `code` in the API's JSON errors (next to
 * crust-sworker's numeric `status_code`).
 */
export const SworkerApiErrorCode = {
  /** A state-changing request without `Authorization: Bearer <token>`, or with the wrong token (401). */
  UNAUTHORIZED: 'SWORKER_API_ERROR_UNAUTHORIZED',
  /** A request with a browser `Origin` that is not in `allowedOrigins` (403). */
  FORBIDDEN_ORIGIN: 'SWORKER_API_ERROR_FORBIDDEN_ORIGIN',
  /** A state-changing request whose body is not `application/json` (415). */
  UNSUPPORTED_MEDIA_TYPE: 'SWORKER_API_ERROR_UNSUPPORTED_MEDIA_TYPE',
  /** An `srd/change` that would leave less free disk than the SRD reserve (409). */
  SRD_NO_ROOM: 'SWORKER_API_ERROR_SRD_NO_ROOM',
  /** `storage/proof` for a file that is not sealed (valid) here (404). */
  FILE_NOT_FOUND: 'SWORKER_API_ERROR_FILE_NOT_FOUND',
  /** `storage/proof` for a segment the file does not have, or not an integer (400). */
  SEGMENT_OUT_OF_RANGE: 'SWORKER_API_ERROR_SEGMENT_OUT_OF_RANGE',
  /** `storage/proof` for a file sealed before proof data was kept (409). */
  NO_PROOF_DATA: 'SWORKER_API_ERROR_NO_PROOF_DATA',
  /** `storage/proof` needs a sealed block that is missing or damaged: the file is lost (409). */
  SEALED_DATA_BAD: 'SWORKER_API_ERROR_SEALED_DATA_BAD',
  /** The token file is missing or malformed (reading it, not serving). */
  TOKEN_FILE: 'SWORKER_API_ERROR_TOKEN_FILE',
} as const

/** Thrown when the API token file cannot be read: see {@link SworkerApiErrorCode}. */
export class SworkerApiError extends CrustError {}
