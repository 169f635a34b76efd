/** Errors of the EVM package: one class, stable `EVM_ERROR_*` codes. */
import { CrustError } from '@crust-ts/base'

/** Every code an {@link EvmError} can carry. */
export type EvmErrorCode =
  /** solc reported errors compiling the contracts. */
  | 'EVM_ERROR_COMPILE'
  /** A contract deployment transaction failed or left no contract. */
  | 'EVM_ERROR_DEPLOY'
  /** The EVM dev node could not start. */
  | 'EVM_ERROR_DEV_NODE'
  /** No EVM JSON-RPC answers at the URL. */
  | 'EVM_ERROR_NO_RPC'
  /** An address that is not a 20-byte hex address. */
  | 'EVM_ERROR_BAD_ADDRESS'
  /** The order node's store could not be opened or written. */
  | 'EVM_ERROR_STORE'
  /** The storage-order contract refused an order (its revert message says why). */
  | 'EVM_ERROR_ORDER_REFUSED'
  /** An order could not be sent or confirmed (the EVM node's answer says why). */
  | 'EVM_ERROR_ORDER_FAILED'
  /** The price oracle refused or failed a price update (not a whitelisted price setter, a reverted transaction). */
  | 'EVM_ERROR_ORACLE'

export class EvmError extends CrustError {
  declare readonly code: EvmErrorCode
  constructor(code: EvmErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
    this.name = 'EvmError'
  }
}
