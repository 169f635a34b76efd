/** Options of the Pinning Service API. */
import type { ComponentLogger } from '@crust-ts/base'
import { createW3Auth, type W3Auth } from '../auth/index.js'
import { defaultOrderEngineOptions } from '../orders/options.js'
import type { PinStore } from '../store/index.js'

/** What the service needs of the order engine. */
export interface OrderEngineHandle {
  /** Asks the engine to look at queued orders now (a new pin arrived). */
  wake(): void
  /** Reported replicas that make a pin `pinned`. */
  readonly replicaThreshold: number
}

export interface PinningServiceInit {
  store: PinStore
  orderEngine?: OrderEngineHandle
  /** The node's Kubo API (for its multiaddrs when `delegates` is not given). */
  ipfsApi?: string
  /** Multiaddrs returned as `delegates` (default: the node's addresses from `ipfsApi`'s `id`). */
  delegates?: string[]
  host?: string
  /** Default 3000 (0 = any). */
  port?: number
  /** Default `/psa`. */
  basePath?: string
  /** Largest JSON body accepted (default 64 KiB). */
  maxBodyBytes?: number
  auth?: W3Auth
  logger?: ComponentLogger
}

export const DEFAULT_PSA_PORT = 3000
export const DEFAULT_PSA_HOST = '127.0.0.1'
export const DEFAULT_PSA_BASE_PATH = '/psa'

export const defaultPinningServiceOptions = {
  host: DEFAULT_PSA_HOST,
  port: DEFAULT_PSA_PORT,
  basePath: DEFAULT_PSA_BASE_PATH,
  maxBodyBytes: 64 * 1024,
  /** Replicas that make a pin `pinned` when no order engine says otherwise (the engine's default). */
  replicaThreshold: defaultOrderEngineOptions.replicaThreshold,
  /** PSA limits. */
  maxCids: 10,
  maxNameLength: 255,
  maxOrigins: 20,
  defaultLimit: 10,
  maxLimit: 1000,
} as const

/** {@link PinningServiceInit} with every default applied: what the service works from. */
export interface PinningServiceConfig {
  store: PinStore
  orderEngine: OrderEngineHandle | undefined
  ipfsApi: string | undefined
  /** Undefined: learnt from `ipfsApi` at start. */
  delegates: string[] | undefined
  host: string
  port: number
  /** Without trailing slashes. */
  basePath: string
  maxBodyBytes: number
  auth: W3Auth
  logger: ComponentLogger | undefined
}

/** Applies the defaults to `init` (once, at construction). */
export function resolvePinningServiceConfig(init: PinningServiceInit): PinningServiceConfig {
  return {
    store: init.store,
    orderEngine: init.orderEngine,
    ipfsApi: init.ipfsApi,
    delegates: init.delegates,
    host: init.host ?? defaultPinningServiceOptions.host,
    port: init.port ?? defaultPinningServiceOptions.port,
    basePath: (init.basePath ?? defaultPinningServiceOptions.basePath).replace(/\/+$/, ''),
    maxBodyBytes: init.maxBodyBytes ?? defaultPinningServiceOptions.maxBodyBytes,
    auth: init.auth ?? createW3Auth(),
    logger: init.logger,
  }
}
