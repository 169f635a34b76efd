import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link CodecError}. */
export const CodecErrorCode = {
  /** Bytes (often from a peer) do not decode as the expected layout. */
  CORRUPT: 'CODEC_ERROR_CORRUPT',
} as const

/** One of the {@link CodecErrorCode} values. */
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode]

/** Per-code metadata of {@link CodecError}. */
export type CodecErrorType = { code: typeof CodecErrorCode.CORRUPT; what: string; offset: number }

/** Thrown when bytes do not decode as a block body (or another primitive layout): `CODEC_ERROR_CORRUPT`. */
export class CodecError extends CrustError {
  declare readonly code: CodecErrorCode
  readonly type: CodecErrorType

  constructor(type: CodecErrorType, message: string) {
    const { code, ...meta } = type
    super(code, message, meta)
    this.type = type
  }
}
