/** Options of the W3Auth gateway and their defaults. */
import type { ComponentLogger } from '@crust-ts/base'
import { createW3Auth, type W3Auth } from '../auth/index.js'
import type { GatewayRateLimit, UsageStore } from './limits.js'

export type { GatewayRateLimit } from './limits.js'

export interface GatewayQuotas {
  /** Request body bytes one account may send to `/api/v0/*` per UTC day (default unlimited). */
  uploadBytesPerDay?: number
}

export interface W3AuthGatewayInit {
  /** The node's Kubo RPC API base URL, e.g. `http://127.0.0.1:5001`. */
  ipfsApi: string
  /** The node's read gateway base URL (for open `/ipfs/*` and `/ipns/*`); omitted = those paths answer 404. */
  ipfsGateway?: string
  /** Listen address (default 127.0.0.1; use 0.0.0.0 to serve others) and port (default 5050, 0 = any). */
  host?: string
  port?: number
  quotas?: GatewayQuotas
  rateLimit?: GatewayRateLimit
  /** Largest request body accepted on `/api/v0/*` (default {@link DEFAULT_MAX_REQUEST_BYTES}) → 413. */
  maxRequestBytes?: number
  logger?: ComponentLogger
  /** Verifier registry (default: Crust's substrate, ethereum and solana). */
  auth?: W3Auth
  /** Keeps each account's daily upload usage across restarts (`crust gateway` passes its pin store); default in memory. */
  usageStore?: UsageStore
  /** Clock (ms), for tests of quotas and rates. */
  now?: () => number
}

export const DEFAULT_GATEWAY_PORT = 5050
export const DEFAULT_GATEWAY_HOST = '127.0.0.1'
/**
 * Default request body limit: 8 GiB, the market's MaximumFileSize (orders must be smaller), so no
 * orderable upload is refused while one request can no longer stream unbounded bytes into the node.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024 * 1024

export const defaultGatewayOptions = {
  host: DEFAULT_GATEWAY_HOST,
  port: DEFAULT_GATEWAY_PORT,
  maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
  uploadBytesPerDay: Number.POSITIVE_INFINITY,
} as const

/** {@link W3AuthGatewayInit} with every default applied: what the gateway works from. */
export interface W3AuthGatewayConfig {
  ipfsApi: string
  ipfsGateway: string | undefined
  host: string
  port: number
  /** Bytes per account per UTC day; infinite = no quota. */
  uploadBytesPerDay: number
  rateLimit: GatewayRateLimit | undefined
  /** Infinite = no limit. */
  maxRequestBytes: number
  logger: ComponentLogger | undefined
  auth: W3Auth
  usageStore: UsageStore | undefined
  now: () => number
}

/** Applies the defaults to `init` (once, at construction). */
export function resolveGatewayConfig(init: W3AuthGatewayInit): W3AuthGatewayConfig {
  return {
    ipfsApi: init.ipfsApi,
    ipfsGateway: init.ipfsGateway,
    host: init.host ?? defaultGatewayOptions.host,
    port: init.port ?? defaultGatewayOptions.port,
    uploadBytesPerDay: init.quotas?.uploadBytesPerDay ?? defaultGatewayOptions.uploadBytesPerDay,
    rateLimit: init.rateLimit,
    maxRequestBytes: init.maxRequestBytes ?? defaultGatewayOptions.maxRequestBytes,
    logger: init.logger,
    auth: init.auth ?? createW3Auth(),
    usageStore: init.usageStore,
    now: init.now ?? Date.now,
  }
}
