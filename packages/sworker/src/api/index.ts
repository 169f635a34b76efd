export {
  DEFAULT_SWORKER_API_PORT,
  defaultSworkerApiOptions,
  resolveSworkerApiConfig,
  type SworkerApiConfig,
  type SworkerApiInit,
} from './options.js'
export { SworkerApi } from './server.js'
