/** Serialised form of a {@link CrustError}, for errors that cross a process or network boundary. */
export interface CrustErrorObject {
  code: string
  message: string
  meta?: Record<string, unknown>
}

/**
 * Base class of every error crust-ts throws. `code` is stable (UPPER_SNAKE, prefixed by domain);
 * callers match on it or on the class, never on the message.
 */
export class CrustError extends Error {
  readonly code: string
  readonly meta: Record<string, unknown> | undefined

  constructor(code: string, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.meta = meta
  }

  toObject(): CrustErrorObject {
    return this.meta === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, meta: this.meta }
  }

  static fromObject(obj: CrustErrorObject): CrustError {
    return new CrustError(obj.code, obj.message, obj.meta)
  }
}
