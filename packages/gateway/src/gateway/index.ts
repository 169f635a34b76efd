export { GatewayErrorCode, GatewayLimitError } from './errors.js'
export { type TenantCommand, type TenantCommandKind, TENANT_COMMANDS, tenantCommand } from './commands.js'
export { QuotaMeter, type QuotaGrant, RateLimiter, UploadQuota, type UsageStore } from './limits.js'
export {
  DEFAULT_GATEWAY_HOST,
  DEFAULT_GATEWAY_PORT,
  DEFAULT_MAX_REQUEST_BYTES,
  defaultGatewayOptions,
  type GatewayStore,
  type GatewayQuotas,
  type GatewayRateLimit,
  resolveGatewayConfig,
  type W3AuthGatewayConfig,
  type W3AuthGatewayInit,
} from './options.js'
export { forwardHeaders, proxyRequest, type ResponseTap } from './proxy.js'
export { MemoryTenantPinStore, TenantPins, type TenantPinStore } from './tenant-pins.js'
export { createW3AuthGateway, type GatewayStats, W3AuthGateway } from './server.js'
