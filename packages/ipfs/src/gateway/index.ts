/**
 * The IPFS path + trustless gateway: `GET`/`HEAD /ipfs/<cid>[/<path>]` over an {@link IpfsNode},
 * read-only, on node:http.
 *
 * @example
 * ```ts
 * const gateway = createGatewayServer(node, { port: 8080 })
 * const { host, port } = await gateway.start()
 * // GET http://127.0.0.1:8080/ipfs/<cid>/index.html
 * await gateway.stop()
 * ```
 */
import type { IpfsNode } from '../interface.js'
import type { GatewayError } from './errors.js'
import type { GatewayServer } from './interface.js'
import type { GatewayInit } from './options.js'
import { DefaultGatewayServer } from './server.js'

export type { GatewayErrorCode } from './errors.js'
export { GATEWAY_ERROR_STATUS, GatewayError } from './errors.js'
export type { GatewayAddress, GatewayServer } from './interface.js'
export type { GatewayInit, GatewayOptions } from './options.js'
export { defaultGatewayOptions, resolveGatewayOptions } from './options.js'
export { contentTypeFromName, sniffContentType } from './content-type.js'
export { parseRange, type ByteRange } from './range.js'

export type CreateGatewayServerParameters = [node: IpfsNode, init?: GatewayInit]
export type CreateGatewayServerReturnType = GatewayServer
/** `start()` rejects with these codes: `GATEWAY_ERROR_LISTEN`, `GATEWAY_ERROR_ALREADY_STARTED`. */
export type CreateGatewayServerErrorType = GatewayError

/** Creates (does not start) a gateway serving `node`'s content. */
export function createGatewayServer(node: IpfsNode, init: GatewayInit = {}): GatewayServer {
  return new DefaultGatewayServer(node, init)
}
