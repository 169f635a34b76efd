/** Transaction pool queues: ready/future bookkeeping, limits and Substrate's pool errors. */
export * from './errors.js'
export * from './interface.js'
export * from './options.js'
export * from './queues.js'
