export { DEFAULT_SWORKER_API_PORT, SworkerApi, type SworkerApiInit } from './server.js'
