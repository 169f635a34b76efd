/** Options of the Pinning Service API. */
import type { ComponentLogger } from '@crust-ts/base'
import { createW3Auth, type W3Auth } from '../auth/index.js'
import { defaultOrderEngineOptions } from '../orders/options.js'
import type { PinStore } from '../store/index.js'
import { defaultOriginDialOptions, type OriginDialOptions } from './origins.js'

/** What the service needs of the order engine. */
export interface OrderEngineHandle {
  /** Asks the engine to look at queued orders now (a new pin arrived). */
  wake(): void
  /** Reported replicas that make a pin `pinned`. */
  readonly replicaThreshold: number
}

/** Who may use the pinning service. */
export type PsaAccess =
  /** Any W3Auth identity (within the per-account limits). */
  | { mode: 'open' }
  /** Only these accounts: W3Auth account ids (`<chainType>-<address>`, as pins' owners are named) or bare addresses. */
  | { mode: 'allowlist'; accounts: string[] }

/** Per-account limits checked when a pin is requested (the engine checks bytes, fees and fetches). */
export interface PsaPinLimits {
  /** Pins one account may request per UTC day, deleted ones included (default 1000). */
  pinsPerDay: number
  /** Pins of one account waiting for their order at once (default 200). */
  maxPendingPins: number
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
  /** Who may pin (default open to every W3Auth identity, within `limits`). */
  access?: PsaAccess
  /** Per-account pin limits (each defaults as {@link defaultPsaPinLimits}). */
  limits?: Partial<PsaPinLimits>
  /** Which pins' origins the node dials and how many (each defaults as {@link defaultOriginDialOptions}: public IPs only, 4 a pin, 20 a minute per account). */
  origins?: Partial<OriginDialOptions>
  /** Clock (ms), for tests of the daily limits. */
  now?: () => number
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

export const defaultPsaPinLimits: Readonly<PsaPinLimits> = Object.freeze({ pinsPerDay: 1000, maxPendingPins: 200 })

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
  access: PsaAccess
  limits: PsaPinLimits
  origins: OriginDialOptions
  auth: W3Auth
  logger: ComponentLogger | undefined
  now: () => number
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
    access: init.access ?? { mode: 'open' },
    limits: { ...defaultPsaPinLimits, ...init.limits },
    origins: { ...defaultOriginDialOptions, ...init.origins },
    auth: init.auth ?? createW3Auth(),
    logger: init.logger,
    now: init.now ?? Date.now,
  }
}
