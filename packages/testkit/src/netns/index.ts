export * from './host-network.js'
export * from './link-proxy.js'
