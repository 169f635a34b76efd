export * from './finality-watch.js'
export * from './schedule.js'
