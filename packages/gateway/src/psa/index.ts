export {
  DEFAULT_PSA_BASE_PATH,
  DEFAULT_PSA_HOST,
  DEFAULT_PSA_PORT,
  defaultPinningServiceOptions,
  defaultPsaPinLimits,
  type OrderEngineHandle,
  type PinningServiceConfig,
  type PinningServiceInit,
  type PsaAccess,
  type PsaPinLimits,
  resolvePinningServiceConfig,
} from './options.js'
export {
  type OriginCheck,
  type OriginDialOptions,
  type OriginRefusal,
  type IpClass,
  checkOrigin,
  classifyIPv4,
  classifyIPv6,
  defaultOriginDialOptions,
} from './origins.js'
export { orderInfo, type PinStatusJson, pinStatusJson } from './pin-status.js'
export { createPinningService, PinningService } from './server.js'
export { BadRequest, parseListQuery, parsePinBody } from './validate.js'
