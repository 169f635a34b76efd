import { CrustError } from '@crust-ts/base'

export const PinStoreErrorCode = {
  OPEN_FAILED: 'PIN_STORE_OPEN_FAILED',
  MIGRATION_FAILED: 'PIN_STORE_MIGRATION_FAILED',
  CLOSED: 'PIN_STORE_CLOSED',
  /** `addPin` with limits: the owner already has that many pending pins, or pins today. */
  LIMIT_REACHED: 'PIN_STORE_LIMIT_REACHED',
} as const
export type PinStoreErrorCode = (typeof PinStoreErrorCode)[keyof typeof PinStoreErrorCode]

/** Thrown when a store cannot be opened or migrated, is used after close, or a pin would pass its owner's limit. */
export class PinStoreError extends CrustError {
  declare readonly code: PinStoreErrorCode
  constructor(code: PinStoreErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}
