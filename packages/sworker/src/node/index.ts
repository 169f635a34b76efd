export { SEALED_STORE_DIR, SRD_DIR, type SworkerInit } from './options.js'
export { Sworker } from './sworker.js'
