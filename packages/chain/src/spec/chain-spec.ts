/**
 * Chain specs: the JSON that names a chain and its genesis (funded accounts, sudo key, authorities).
 * `dev` and `local` are built in; any other spec is read from a JSON file and validated.
 */
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { CRU, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL } from '../constants.js'
import { CrustError } from '../errors/crust-error.js'

export interface ChainSpec {
  name: string
  id: string
  chainType: 'Development' | 'Local' | 'Live'
  properties: { ss58Format: number; tokenDecimals: number; tokenSymbol: string }
  genesis: {
    /** [SS58 address, amount in base units as a decimal string]. */
    balances: Array<[string, string]>
    sudoKey: string | null
    /** The accounts that author blocks (for now the first one authors every block). */
    authorities: string[]
  }
}

/** A chain spec file is missing, unreadable or invalid. */
export class ChainSpecError extends CrustError {
  constructor(message: string, meta?: Record<string, unknown>) {
    super('SPEC_ERROR_INVALID', message, meta)
  }
}

export const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'] as const
/** As in Substrate's dev chains, the validator is Alice's stash account, also funded. */
export const DEV_AUTHORITY = 'Alice//stash'

/** The address of a `//Name` dev account (sr25519), in Crust's SS58 format. */
export function devAddress(name: string): string {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX })
  return keyring.addFromUri(`//${name}`).address
}

const DEV_ENDOWMENT = 1_000_000n * CRU

function devLikeSpec(name: string, id: string, chainType: ChainSpec['chainType']): ChainSpec {
  return {
    name,
    id,
    chainType,
    properties: { ss58Format: SS58_PREFIX, tokenDecimals: TOKEN_DECIMALS, tokenSymbol: TOKEN_SYMBOL },
    genesis: {
      balances: [...DEV_ACCOUNTS, DEV_AUTHORITY].map((n) => [devAddress(n), DEV_ENDOWMENT.toString()]),
      sudoKey: devAddress('Alice'),
      authorities: [devAddress(DEV_AUTHORITY)],
    },
  }
}

/** The built-in specs. Needs `cryptoWaitReady()` first (sr25519 key derivation). */
export function builtinSpec(id: string): ChainSpec | undefined {
  if (id === 'dev') return devLikeSpec('Crust Dev', 'dev', 'Development')
  if (id === 'local') return devLikeSpec('Crust Local Testnet', 'local', 'Local')
  return undefined
}

function fail(message: string, path: string): never {
  throw new ChainSpecError(`chain spec: ${path}: ${message}`, { path })
}

function checkAddress(value: unknown, path: string): string {
  if (typeof value !== 'string') fail('expected an SS58 address string', path)
  try {
    decodeAddress(value)
  } catch {
    fail(`"${value}" is not a valid SS58 address`, path)
  }
  return value
}

/** Validates a parsed spec JSON; errors name the offending path. */
export function parseChainSpec(json: unknown): ChainSpec {
  if (typeof json !== 'object' || json === null) fail('expected a JSON object', '$')
  const o = json as Record<string, unknown>
  const known = new Set(['name', 'id', 'chainType', 'properties', 'genesis'])
  for (const k of Object.keys(o)) if (!known.has(k)) fail('unknown key', `$.${k}`)
  if (typeof o.name !== 'string' || o.name === '') fail('expected a non-empty string', '$.name')
  if (typeof o.id !== 'string' || !/^[a-z0-9_-]+$/.test(o.id)) fail('expected lowercase letters, digits, - or _', '$.id')
  const chainType = o.chainType ?? 'Live'
  if (chainType !== 'Development' && chainType !== 'Local' && chainType !== 'Live') fail('expected Development, Local or Live', '$.chainType')
  const props = (o.properties ?? {}) as Record<string, unknown>
  const ss58Format = props.ss58Format ?? SS58_PREFIX
  if (typeof ss58Format !== 'number' || !Number.isInteger(ss58Format) || ss58Format < 0 || ss58Format > 16383) fail('expected an integer 0-16383', '$.properties.ss58Format')
  const g = o.genesis as Record<string, unknown> | undefined
  if (typeof g !== 'object' || g === null) fail('expected an object', '$.genesis')
  if (!Array.isArray(g.balances)) fail('expected an array of [address, amount]', '$.genesis.balances')
  const balances = g.balances.map((entry: unknown, i: number): [string, string] => {
    if (!Array.isArray(entry) || entry.length !== 2) fail('expected [address, amount]', `$.genesis.balances[${i}]`)
    const amount = entry[1]
    if (!(typeof amount === 'string' && /^\d+$/.test(amount)) && !(typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0)) {
      fail('expected a non-negative integer amount (a decimal string for large values)', `$.genesis.balances[${i}][1]`)
    }
    return [checkAddress(entry[0], `$.genesis.balances[${i}][0]`), String(amount)]
  })
  const sudoKey = g.sudoKey === undefined || g.sudoKey === null ? null : checkAddress(g.sudoKey, '$.genesis.sudoKey')
  if (!Array.isArray(g.authorities) || g.authorities.length === 0) fail('expected a non-empty array of addresses', '$.genesis.authorities')
  const authorities = g.authorities.map((a: unknown, i: number) => checkAddress(a, `$.genesis.authorities[${i}]`))
  return {
    name: o.name,
    id: o.id,
    chainType,
    properties: {
      ss58Format,
      tokenDecimals: typeof props.tokenDecimals === 'number' ? props.tokenDecimals : TOKEN_DECIMALS,
      tokenSymbol: typeof props.tokenSymbol === 'string' ? props.tokenSymbol : TOKEN_SYMBOL,
    },
    genesis: { balances, sudoKey, authorities },
  }
}

/** The 32-byte account id of an SS58 address. */
export function accountIdOf(address: string): Uint8Array {
  return decodeAddress(address)
}

export function formatAddress(accountId: Uint8Array, ss58Format = SS58_PREFIX): string {
  return encodeAddress(accountId, ss58Format)
}

export const toHex = u8aToHex
