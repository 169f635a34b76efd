export * from './ndjson.js'
export * from './pull-client.js'
