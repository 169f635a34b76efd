/**
 * `crust gateway`'s limits on strangers: the W3Auth gateway's quota, rate and pin sizes, who may use
 * the pinning service and what one account may cost it. Every limit has a default (see the gateway
 * package's `defaultGatewayOptions`, `defaultPsaPinLimits` and `defaultAccountLimits`); the flags
 * raise or lower them.
 */
import type { GatewayServicesInit } from '@crust-ts/gateway'
import { parseCru } from '@crust-ts/sdk'
import { CliError } from '../errors.js'

export interface GatewayLimitFlags {
  quota?: number
  rate?: number
  rateBurst?: number
  unlimited?: boolean
  pinMaxBytes?: number
  psaAccess?: 'open' | 'allowlist'
  psaAllow?: string[]
  psaPinsPerDay?: number
  psaMaxPending?: number
  psaBytesPerDay?: number
  psaCruPerDay?: string
  psaFetches?: number
  psaMaxPinBytes?: number
  psaFetchTimeout?: number
  /** Let the node dial pins' origins on loopback, private and link-local addresses and DNS names (a private network). */
  psaDialPrivate?: boolean
}

const given = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }))

/** Adds the limits the flags set to `init` (whose gateway/psa/orders options are kept otherwise). */
export function withGatewayLimits(flags: GatewayLimitFlags, init: GatewayServicesInit): GatewayServicesInit {
  if (flags.psaAccess === 'allowlist' && (flags.psaAllow === undefined || flags.psaAllow.length === 0)) {
    throw new CliError('CLI_ERROR_GATEWAY', '--psa-access allowlist needs --psa-allow <account...>')
  }
  if (flags.psaAllow !== undefined && flags.psaAccess === 'open') throw new CliError('CLI_ERROR_GATEWAY', '--psa-allow needs --psa-access allowlist')
  let plancksPerDay: bigint | undefined
  try {
    plancksPerDay = flags.psaCruPerDay === undefined ? undefined : parseCru(flags.psaCruPerDay)
  } catch (err) {
    throw new CliError('CLI_ERROR_GATEWAY', `--psa-cru-per-day: ${(err as Error).message}`)
  }
  const gateway = init.gateway === false ? false : { ...init.gateway }
  if (gateway !== false) {
    if (flags.unlimited === true) {
      gateway.quotas = { uploadBytesPerDay: Number.POSITIVE_INFINITY }
      gateway.rateLimit = false
    }
    if (flags.quota !== undefined) gateway.quotas = { uploadBytesPerDay: flags.quota }
    if (flags.rate !== undefined || flags.rateBurst !== undefined) {
      const rate = flags.rate ?? 20
      gateway.rateLimit = { requestsPerSecond: rate, ...given('burst', flags.rateBurst) }
    }
    if (flags.pinMaxBytes !== undefined) gateway.maxPinBytes = flags.pinMaxBytes
  }
  const access = flags.psaAllow === undefined ? undefined : { mode: 'allowlist' as const, accounts: flags.psaAllow }
  return {
    ...init,
    gateway,
    psa: {
      ...init.psa,
      ...given('access', access),
      limits: { ...init.psa?.limits, ...given('pinsPerDay', flags.psaPinsPerDay), ...given('maxPendingPins', flags.psaMaxPending) },
      ...(flags.psaDialPrivate === true ? { origins: { ...init.psa?.origins, dialPrivate: true } } : {}),
    },
    orders: {
      ...init.orders,
      ...given('ipfsTimeoutMs', flags.psaFetchTimeout),
      accountLimits: {
        ...init.orders?.accountLimits,
        ...given('bytesPerDay', flags.psaBytesPerDay),
        ...given('plancksPerDay', plancksPerDay),
        ...given('concurrentFetches', flags.psaFetches),
        ...given('maxPinBytes', flags.psaMaxPinBytes),
      },
    },
  }
}
