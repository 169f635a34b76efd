/**
 * @packageDocumentation
 *
 * The crust-ts W3Auth gateway and IPFS Pinning Service API that places storage orders.
 */
export * from './auth/index.js'
export * from './gateway/index.js'
export * from './store/index.js'
export * from './psa/index.js'
export * from './orders/index.js'
export { type GatewayServices, type GatewayServicesInit, startGatewayServices } from './services.js'
