export * from './follower.js'
export * from './interface.js'
export * from './polkadot-client.js'
export * from './settler.js'
