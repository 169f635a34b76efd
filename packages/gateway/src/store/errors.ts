import { CrustError } from '@crust-ts/base'

export const PinStoreErrorCode = {
  OPEN_FAILED: 'PIN_STORE_OPEN_FAILED',
  MIGRATION_FAILED: 'PIN_STORE_MIGRATION_FAILED',
  CLOSED: 'PIN_STORE_CLOSED',
} as const
export type PinStoreErrorCode = (typeof PinStoreErrorCode)[keyof typeof PinStoreErrorCode]

/** Thrown when a store cannot be opened or migrated, or is used after close. */
export class PinStoreError extends CrustError {
  declare readonly code: PinStoreErrorCode
  constructor(code: PinStoreErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}
