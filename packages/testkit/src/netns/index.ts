export * from './host-network.js'
export * from './link-proxy.js'
export * from './seeded-random.js'
