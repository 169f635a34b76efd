/** W3Auth failures: each carries the exact string Crust's services answer with (401). */
import { CrustError } from '@crust-ts/base'

export const W3AuthErrorCode = {
  EMPTY_SIGNATURE: 'W3AUTH_EMPTY_SIGNATURE',
  INVALID_SIGNATURE: 'W3AUTH_INVALID_SIGNATURE',
  UNSUPPORTED_CHAIN: 'W3AUTH_UNSUPPORTED_CHAIN',
  /** An expiring token (`…:<signature>:<expiry>`) used at or after its expiry. */
  EXPIRED: 'W3AUTH_EXPIRED',
} as const
export type W3AuthErrorCode = (typeof W3AuthErrorCode)[keyof typeof W3AuthErrorCode]

/** The body strings of Crust's W3Auth handler, keyed by our codes. */
export const W3AUTH_REPLIES: Record<W3AuthErrorCode, string> = {
  W3AUTH_EMPTY_SIGNATURE: 'Empty Signature',
  W3AUTH_INVALID_SIGNATURE: 'Invalid Signature',
  W3AUTH_UNSUPPORTED_CHAIN: 'Unsupported web3 signature',
  W3AUTH_EXPIRED: 'Expired Signature',
}

/** Thrown by `W3Auth.authenticate` when a header is missing, malformed, of an unknown chain type, wrongly signed or expired. */
export class W3AuthError extends CrustError {
  declare readonly code: W3AuthErrorCode
  /** The string Crust answers with (`{"Error": reply}` on the gateway, `{error: {reason, details}}` on the PSA). */
  readonly reply: string

  constructor(code: W3AuthErrorCode, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, W3AUTH_REPLIES[code], meta, options)
    this.reply = W3AUTH_REPLIES[code]
  }
}
