export { GatewayErrorCode, GatewayLimitError } from './errors.js'
export { RateLimiter, UploadQuota, type UsageStore } from './limits.js'
export {
  DEFAULT_GATEWAY_HOST,
  DEFAULT_GATEWAY_PORT,
  DEFAULT_MAX_REQUEST_BYTES,
  defaultGatewayOptions,
  type GatewayQuotas,
  type GatewayRateLimit,
  resolveGatewayConfig,
  type W3AuthGatewayConfig,
  type W3AuthGatewayInit,
} from './options.js'
export { forwardHeaders, proxyRequest } from './proxy.js'
export { createW3AuthGateway, type GatewayStats, W3AuthGateway } from './server.js'
