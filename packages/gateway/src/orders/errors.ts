import { CrustError } from '@crust-ts/base'

export const OrderErrorCode = {
  IPFS_FAILED: 'ORDER_IPFS_FAILED',
  SUBMIT_REJECTED: 'ORDER_SUBMIT_REJECTED',
  DISPATCH_FAILED: 'ORDER_DISPATCH_FAILED',
  INCLUSION_FAILED: 'ORDER_INCLUSION_FAILED',
} as const
export type OrderErrorCode = (typeof OrderErrorCode)[keyof typeof OrderErrorCode]

/** Raised inside the engine for one order's attempt (IPFS, pool rejection, dispatch error); the engine records it in `reason`. */
export class OrderError extends CrustError {
  declare readonly code: OrderErrorCode
  constructor(code: OrderErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}
