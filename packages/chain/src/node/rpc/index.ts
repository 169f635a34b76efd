/**
 * JSON-RPC 2.0 transport of the chain node: one port for WebSocket and HTTP, method-agnostic.
 *
 * @example
 * ```ts
 * import { RpcServer } from '@crust-ts/chain'
 *
 * const server = new RpcServer({ port: 9944 })
 * server.addMethod('system_chain', () => 'Crust Dev')
 * const { port } = await server.start()
 * // ... later
 * await server.stop()
 * ```
 */
export * from './constants.js'
export { DEFAULT_RPC_CORS, originAllowed, parseRpcCors, type RpcCors } from './cors.js'
export { RpcError, RpcServerError, type RpcServerErrorCode } from './errors.js'
export type {
  JsonRpcErrorObject,
  JsonRpcId,
  MethodHandler,
  RpcContext,
  RpcLogger,
  RpcMethodsResult,
  SubscriptionSink,
  SubscriptionSpec,
} from './interface.js'
export { defaultRpcServerOptions, type RpcServerInit } from './options.js'
export { RpcServer } from './server.js'
