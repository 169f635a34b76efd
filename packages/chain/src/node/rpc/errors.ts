import { CrustError } from '@crust-ts/base'
import { INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG, INVALID_PARAMS_CODE, INVALID_PARAMS_MSG } from './constants.js'
import type { JsonRpcErrorObject } from './interface.js'

/**
 * A JSON-RPC error object. Throw it from a method or subscription handler to answer the call with
 * `{ error: { code: rpcCode, message, data } }` (`data` is omitted when undefined).
 */
export class RpcError extends CrustError {
  readonly rpcCode: number
  readonly data: unknown

  constructor(rpcCode: number, message: string, data?: unknown) {
    super('RPC_ERROR', message, data === undefined ? { rpcCode } : { rpcCode, data })
    this.rpcCode = rpcCode
    this.data = data
  }

  /** The `error` member of the JSON-RPC response. */
  toJsonRpc(): JsonRpcErrorObject {
    return this.data === undefined ? { code: this.rpcCode, message: this.message } : { code: this.rpcCode, message: this.message, data: this.data }
  }

  /** -32602 `Invalid params`, with an optional explanation in `data`. */
  static invalidParams(data?: unknown): RpcError {
    return new RpcError(INVALID_PARAMS_CODE, INVALID_PARAMS_MSG, data)
  }

  /** -32603 `Internal error`, with an optional explanation in `data`. */
  static internal(data?: unknown): RpcError {
    return new RpcError(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG, data)
  }
}

/** Codes of {@link RpcServerError}. */
export type RpcServerErrorCode = 'RPC_ERROR_DUPLICATE_METHOD' | 'RPC_ERROR_INVALID_OPTIONS' | 'RPC_ERROR_ALREADY_STARTED' | 'RPC_ERROR_LISTEN'

/**
 * Misuse or failure of the server itself: a method name registered twice
 * (`RPC_ERROR_DUPLICATE_METHOD`), bad init options (`RPC_ERROR_INVALID_OPTIONS`), `start()` called
 * twice (`RPC_ERROR_ALREADY_STARTED`), or the port could not be bound (`RPC_ERROR_LISTEN`).
 */
export class RpcServerError extends CrustError {
  declare readonly code: RpcServerErrorCode

  constructor(code: RpcServerErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}
