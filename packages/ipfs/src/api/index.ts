/**
 * Kubo-compatible RPC API (`POST /api/v0/<command>`) over an {@link IpfsNode}, so that the
 * unmodified `kubo-rpc-client` (and Kubo's CLI with `--api`) works against this node.
 *
 * @example
 * ```ts
 * import { createKuboApiServer } from '@crust-ts/ipfs'
 *
 * const api = createKuboApiServer(node, { port: 5001 })
 * const { host, port } = await api.start()
 * // ... later
 * await api.stop()
 * ```
 */
export { API_PREFIX } from './constants.js'
export {
  KuboApiError,
  type KuboApiErrorCode,
  KuboApiServerError,
  type KuboApiServerErrorCode,
  type KuboErrorBody,
} from './errors.js'
export type { KuboApiAddress, KuboApiServer } from './interface.js'
export { defaultKuboApiServerOptions, type KuboApiServerInit, type KuboApiServerOptions, resolveKuboApiServerOptions } from './options.js'
export {
  createKuboApiServer,
  type CreateKuboApiServerErrorType,
  type CreateKuboApiServerParameters,
  type CreateKuboApiServerReturnType,
  DefaultKuboApiServer,
} from './server.js'
