/** Options of the W3Auth gateway and their defaults. */
import type { ComponentLogger } from '@crust-ts/base'
import { createW3Auth, type W3Auth } from '../auth/index.js'
import type { GatewayRateLimit, UsageStore } from './limits.js'
import type { TenantPinStore } from './tenant-pins.js'

export type { GatewayRateLimit } from './limits.js'

export interface GatewayQuotas {
  /**
   * Bytes one account may make the node take in per UTC day (default 16 GiB; `Infinity` = no quota):
   * request bodies sent to `/api/v0/*`, the DAGs its `pin/add`s fetch, what `cat`/`get`/`block/get`/
   * `dag/get` answer and what `dag/stat` walks.
   */
  uploadBytesPerDay?: number
}

/** Where the gateway keeps daily usage and tenants' pins (the pin store). */
export type GatewayStore = UsageStore & TenantPinStore

export interface W3AuthGatewayInit {
  /** The node's Kubo RPC API base URL, e.g. `http://127.0.0.1:5001`. */
  ipfsApi: string
  /** The node's read gateway base URL (for open `/ipfs/*` and `/ipns/*`); omitted = those paths answer 404. */
  ipfsGateway?: string
  /** Listen address (default 127.0.0.1; use 0.0.0.0 to serve others) and port (default 5050, 0 = any). */
  host?: string
  port?: number
  quotas?: GatewayQuotas
  /** Requests per account (default 20/s, burst 100); `false` = no rate limit. */
  rateLimit?: GatewayRateLimit | false
  /** Largest DAG one tenant `pin/add` may fetch (default 8 GiB, the market's largest file). */
  maxPinBytes?: number
  /** Deadline of the fetch of one tenant `pin/add` (default 10 min). */
  pinFetchTimeoutMs?: number
  /** Largest request body accepted on `/api/v0/*` (default {@link DEFAULT_MAX_REQUEST_BYTES}) → 413. */
  maxRequestBytes?: number
  logger?: ComponentLogger
  /** Verifier registry (default: Crust's substrate, ethereum and solana). */
  auth?: W3Auth
  /**
   * Keeps each account's daily usage and tenants' pins across restarts, shared by every gateway on the
   * same database (`crust gateway` passes its pin store); default in memory.
   */
  usageStore?: GatewayStore
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
  uploadBytesPerDay: 16 * 2 ** 30,
  rateLimit: { requestsPerSecond: 20, burst: 100 },
  maxPinBytes: DEFAULT_MAX_REQUEST_BYTES,
  pinFetchTimeoutMs: 10 * 60_000,
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
  maxPinBytes: number
  pinFetchTimeoutMs: number
  logger: ComponentLogger | undefined
  auth: W3Auth
  usageStore: GatewayStore | undefined
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
    rateLimit: init.rateLimit === false ? undefined : (init.rateLimit ?? { ...defaultGatewayOptions.rateLimit }),
    maxRequestBytes: init.maxRequestBytes ?? defaultGatewayOptions.maxRequestBytes,
    maxPinBytes: init.maxPinBytes ?? defaultGatewayOptions.maxPinBytes,
    pinFetchTimeoutMs: init.pinFetchTimeoutMs ?? defaultGatewayOptions.pinFetchTimeoutMs,
    logger: init.logger,
    auth: init.auth ?? createW3Auth(),
    usageStore: init.usageStore,
    now: init.now ?? Date.now,
  }
}
