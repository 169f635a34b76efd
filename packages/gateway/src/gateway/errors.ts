/** Gateway refusals (the body strings are the JSON `Error` field answered to clients). */
import { CrustError } from '@crust-ts/base'

export const GatewayErrorCode = {
  RATE_LIMITED: 'GATEWAY_RATE_LIMITED',
  QUOTA_EXCEEDED: 'GATEWAY_QUOTA_EXCEEDED',
  TOO_LARGE: 'GATEWAY_REQUEST_TOO_LARGE',
} as const
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode]

const STATUS: Record<GatewayErrorCode, number> = {
  GATEWAY_RATE_LIMITED: 429,
  GATEWAY_QUOTA_EXCEEDED: 429,
  GATEWAY_REQUEST_TOO_LARGE: 413,
}
const MESSAGE: Record<GatewayErrorCode, string> = {
  GATEWAY_RATE_LIMITED: 'Too Many Requests',
  GATEWAY_QUOTA_EXCEEDED: 'Upload quota exceeded',
  GATEWAY_REQUEST_TOO_LARGE: 'Request Entity Too Large',
}

/** Raised while proxying when an account exceeds its rate, its daily quota or the request size limit. */
export class GatewayLimitError extends CrustError {
  declare readonly code: GatewayErrorCode
  readonly status: number

  constructor(code: GatewayErrorCode, meta?: Record<string, unknown>) {
    super(code, MESSAGE[code], meta)
    this.status = STATUS[code]
  }
}
