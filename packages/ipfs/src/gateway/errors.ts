/** Errors of the gateway: each maps to one HTTP status. */
import { CrustError } from '@crust-ts/base'

/** Every code the gateway throws, with the HTTP status it answers with. */
export const GATEWAY_ERROR_STATUS = {
  /** The URL's CID does not parse (400). */
  GATEWAY_ERROR_INVALID_CID: 400,
  /** The URL's path is malformed: bad percent-encoding, `.`/`..` segments, encoded slashes (400). */
  GATEWAY_ERROR_INVALID_PATH: 400,
  /** A query parameter or header is malformed or unsupported (400). */
  GATEWAY_ERROR_BAD_REQUEST: 400,
  /** The CID's codec cannot be served or traversed (400). */
  GATEWAY_ERROR_UNSUPPORTED_CODEC: 400,
  /** Nothing is served at this URL, or the DAG has no such path (404). */
  GATEWAY_ERROR_NOT_FOUND: 404,
  /** The HTTP method is not GET, HEAD or OPTIONS (405). */
  GATEWAY_ERROR_METHOD_NOT_ALLOWED: 405,
  /** The requested representation cannot be produced for this content (406). */
  GATEWAY_ERROR_NOT_ACCEPTABLE: 406,
  /** `Cache-Control: only-if-cached` and a needed block is not stored locally (412). */
  GATEWAY_ERROR_NOT_CACHED: 412,
  /** No byte of the `Range` header lies inside the content (416). */
  GATEWAY_ERROR_RANGE_NOT_SATISFIABLE: 416,
  /** Something went wrong inside the gateway, or the stored DAG is malformed (500). */
  GATEWAY_ERROR_INTERNAL: 500,
  /** A response format or namespace this gateway does not implement (501). */
  GATEWAY_ERROR_NOT_IMPLEMENTED: 501,
  /** Every block source failed to deliver a block we do not have (502). */
  GATEWAY_ERROR_RETRIEVAL_FAILED: 502,
  /** A block did not arrive from the network within the node's fetch timeout (504). */
  GATEWAY_ERROR_TIMEOUT: 504,
  /** `start()` was called twice (not an HTTP answer). */
  GATEWAY_ERROR_ALREADY_STARTED: 500,
  /** The server cannot bind its address (not an HTTP answer). */
  GATEWAY_ERROR_LISTEN: 500,
} as const

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_STATUS

/**
 * Thrown (and turned into an HTTP answer) whenever the gateway cannot serve a request; `status` is
 * the HTTP status, `code` the stable error code.
 */
export class GatewayError extends CrustError {
  declare readonly code: GatewayErrorCode
  readonly status: number
  /** Extra response headers the answer must carry (`Content-Range` of a 416, `Allow` of a 405). */
  readonly headers: Record<string, string> | undefined

  constructor(code: GatewayErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message, meta, options?.cause === undefined ? undefined : { cause: options.cause })
    this.status = GATEWAY_ERROR_STATUS[code]
    this.headers = options?.headers
  }
}
