export {
  DEFAULT_SWORKER_API_PORT,
  defaultSworkerApiOptions,
  resolveSworkerApiConfig,
  type SworkerApiConfig,
  type SworkerApiInit,
} from './options.js'
export { API_TOKEN_BYTES, API_TOKEN_FILE } from './constants.js'
export { SworkerApiError, SworkerApiErrorCode } from './errors.js'
export { SworkerApi } from './server.js'
export { apiTokenFile, loadOrCreateApiToken, readApiToken } from './token.js'
