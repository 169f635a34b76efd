export { SrdError, SrdErrorCode } from './errors.js'
export { defaultSrdOptions, defaultSrdReserveBytes, type FreeSpace, MIN_SRD_RESERVE_BYTES, type SrdInit } from './options.js'
export { Srd, type SrdChangeResult, type SrdComponents, type SrdRoom, statfsFreeSpace, type SrdUnit } from './srd.js'
