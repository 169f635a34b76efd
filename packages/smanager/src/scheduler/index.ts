export * from './backoff.js'
export * from './filters.js'
export * from './strategy.js'
