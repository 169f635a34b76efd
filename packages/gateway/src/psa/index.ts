export {
  DEFAULT_PSA_BASE_PATH,
  DEFAULT_PSA_HOST,
  DEFAULT_PSA_PORT,
  defaultPinningServiceOptions,
  type OrderEngineHandle,
  type PinningServiceConfig,
  type PinningServiceInit,
  resolvePinningServiceConfig,
} from './options.js'
export { orderInfo, type PinStatusJson, pinStatusJson } from './pin-status.js'
export { createPinningService, PinningService } from './server.js'
export { BadRequest, parseListQuery, parsePinBody } from './validate.js'
