export { SrdError, SrdErrorCode } from './errors.js'
export { defaultSrdOptions, type SrdInit } from './options.js'
export { Srd, type SrdChangeResult, type SrdComponents, type SrdUnit } from './srd.js'
