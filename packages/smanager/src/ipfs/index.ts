export * from './pull-client.js'
