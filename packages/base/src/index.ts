/**
 * @packageDocumentation
 *
 * What every crust-ts package shares and nothing chain-specific: the error base class, the
 * structured logger (which redacts secrets), starting HTTP servers, LMDB bucket naming and the disk reserve that keeps LMDB from a full disk. Depends on pino only.
 *
 * @example
 * ```ts
 * import { CrustError, createLogger } from '@crust-ts/base'
 *
 * const log = createLogger({ level: 'debug' }).forComponent('my-app')
 * log.info({ cid: 'bafy…' }, 'stored')
 * throw new CrustError('APP_ERROR_NOT_FOUND', 'no such file', { cid: 'bafy…' })
 * ```
 */
export { bucketName } from './buckets.js'
export { CrustError, type CrustErrorObject } from './errors.js'
export { listen } from './listen.js'
export { DiskErrorCode, DiskReserve, type DiskReserveInit, entryCost, reserveWrites } from './disk-reserve.js'
export { guardLmdbCommitFailures, isLmdbCommitFailure } from './lmdb-commit-guard.js'
export { modulesLoadedBy } from './modules-loaded.js'
export { releaseBytes } from './release.js'
export { TimeSlice } from './time-slice.js'
export { isSecretField, REDACTED, redactFields, redactSuri, redactUrl, SECRET_FIELDS } from './redact.js'
export { type ComponentLogger, createLogger, type Logger, type LoggerInit, silentLogger } from './logger.js'
