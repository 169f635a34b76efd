/**
 * Chain specs: the JSON that names a chain and its genesis (funded accounts, sudo key, authorities).
 * `dev` and `local` are built in; any other spec is read from a JSON file and validated.
 */
import { readFileSync } from 'node:fs'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady, decodeAddress, encodeAddress } from '@polkadot/util-crypto'
import { CRU, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL } from '../constants.js'
import { CrustError } from '@crust-ts/base'
import { defaultRuntimeConfig, SPEC_RUNTIME_KEYS, type SpecRuntimeOverrides } from '../runtime/config.js'
import { MAX_CHALLENGES_PER_NODE } from '../pallets/challenges/constants.js'
import { DEV_ATTESTATION_AUTHORITY_PUBLIC, DEV_ENCLAVE_CODE } from '@crust-ts/protocol'

export interface ChainSpec {
  name: string
  id: string
  chainType: 'Development' | 'Local' | 'Live'
  properties: { ss58Format: number; tokenDecimals: number; tokenSymbol: string }
  genesis: {
    /** [SS58 address, amount in base units as a decimal string]. */
    balances: Array<[string, string]>
    sudoKey: string | null
    /** The accounts that author blocks, in Aura slot order (a single one authors every block). */
    authorities: string[]
    /** Storage market switch (Crust's `EnableMarket`, off at genesis on mainnet, on in dev). */
    market?: { enabled: boolean }
    swork?: {
      /** 0x hex P-256 public key (65 bytes, uncompressed) of the attestation authority. */
      attestationAuthority: string
      /** Whitelisted enclave codes: [0x hex code, expiry block]. */
      codes: Array<[string, number]>
    }
    /** Staking: the era GPoS inflation starts at (Crust's `StartRewardEra`; storage default 100_000). */
    staking?: { startRewardEra: number }
    /** Storage challenges (not in Crust): whether they are issued from genesis (off when absent). */
    challenges?: { enabled: boolean }
  }
  /** Runtime parameters this chain overrides (block counts; `crust dev` shortens them). */
  runtime?: SpecRuntimeOverrides
}

/** A chain spec file is invalid (SPEC_ERROR_INVALID), or missing, unreadable or not JSON (SPEC_ERROR_UNREADABLE). */
export class ChainSpecError extends CrustError {
  constructor(message: string, meta?: Record<string, unknown>, code: 'SPEC_ERROR_INVALID' | 'SPEC_ERROR_UNREADABLE' = 'SPEC_ERROR_INVALID') {
    super(code, message, meta)
  }
}

export const DEV_ACCOUNTS = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'] as const
/** As in Substrate's dev chains, the validator is Alice's stash account, also funded. */
export const DEV_AUTHORITY = 'Alice//stash'
/** The `local` chain's validators (stash accounts, funded), in slot order; their keys are `//<name>`. */
export const LOCAL_AUTHORITIES = ['Alice//stash', 'Bob//stash', 'Charlie//stash', 'Dave//stash'] as const

/** The address of a `//Name` dev account (sr25519), in Crust's SS58 format. */
export function devAddress(name: string): string {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX })
  return keyring.addFromUri(`//${name}`).address
}

const DEV_ENDOWMENT = 1_000_000n * CRU

function devLikeSpec(name: string, id: string, chainType: ChainSpec['chainType'], authorities: readonly string[]): ChainSpec {
  const funded = [...new Set<string>([...DEV_ACCOUNTS, ...authorities])]
  return {
    name,
    id,
    chainType,
    properties: { ss58Format: SS58_PREFIX, tokenDecimals: TOKEN_DECIMALS, tokenSymbol: TOKEN_SYMBOL },
    genesis: {
      balances: funded.map((n) => [devAddress(n), DEV_ENDOWMENT.toString()]),
      sudoKey: devAddress('Alice'),
      authorities: authorities.map(devAddress),
      market: { enabled: true },
      staking: { startRewardEra: 0 },
      // Off until storage nodes answer challenges (the sWorker and sManager side comes later): a
      // node that does not answer loses its replicas. Root switches it on (`challenges.setEnabled`).
      challenges: { enabled: false },
      swork: { attestationAuthority: u8aToHex(DEV_ATTESTATION_AUTHORITY_PUBLIC), codes: [[u8aToHex(DEV_ENCLAVE_CODE), 2 ** 32 - 1]] },
    },
    // Short periods so a dev or local network shows whole order lifecycles in minutes: 1-minute
    // report slots at 1 s blocks, 10-minute storage periods, 6-minute eras, 20 s to answer
    // challenges, 10-minute treasury spends.
    runtime:
      chainType === 'Development' || chainType === 'Local' ? { reportSlot: 60, fileDuration: 600, eraLength: 360, challengeWindow: 20, spendPeriod: 600 } : {},
  }
}

/** The built-in specs. Needs `cryptoWaitReady()` first (sr25519 key derivation). */
export function builtinSpec(id: string): ChainSpec | undefined {
  if (id === 'dev') return devLikeSpec('Crust Dev', 'dev', 'Development', [DEV_AUTHORITY])
  if (id === 'local') return devLikeSpec('Crust Local Testnet', 'local', 'Local', LOCAL_AUTHORITIES)
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

/** `dev`, `local`, or the path of a chain spec JSON file, validated. */
export async function loadChainSpec(chain: string): Promise<ChainSpec> {
  await cryptoWaitReady()
  const builtin = builtinSpec(chain)
  if (builtin !== undefined) return builtin
  let text: string
  try {
    text = readFileSync(chain, 'utf8')
  } catch {
    throw new ChainSpecError(`"${chain}" is neither dev, local, nor a readable chain spec file`, { chain }, 'SPEC_ERROR_UNREADABLE')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ChainSpecError(`${chain} is not valid JSON: ${(err as Error).message}`, { chain }, 'SPEC_ERROR_UNREADABLE')
  }
  return parseChainSpec(json)
}

/** Validates a parsed spec JSON; errors name the offending path. */
export function parseChainSpec(json: unknown): ChainSpec {
  if (typeof json !== 'object' || json === null) fail('expected a JSON object', '$')
  const o = json as Record<string, unknown>
  const known = new Set(['name', 'id', 'chainType', 'properties', 'genesis', 'runtime'])
  for (const k of Object.keys(o)) if (!known.has(k)) fail('unknown key', `$.${k}`)
  if (typeof o.name !== 'string' || o.name === '') fail('expected a non-empty string', '$.name')
  if (typeof o.id !== 'string' || !/^[a-z0-9_-]+$/.test(o.id)) fail('expected lowercase letters, digits, - or _', '$.id')
  const chainType = o.chainType ?? 'Live'
  if (chainType !== 'Development' && chainType !== 'Local' && chainType !== 'Live') fail('expected Development, Local or Live', '$.chainType')
  const props = (o.properties ?? {}) as Record<string, unknown>
  const ss58Format = props.ss58Format ?? SS58_PREFIX
  if (typeof ss58Format !== 'number' || !Number.isInteger(ss58Format) || ss58Format < 0 || ss58Format > 16383)
    fail('expected an integer 0-16383', '$.properties.ss58Format')
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
  const genesisExtras: Pick<ChainSpec['genesis'], 'market' | 'swork' | 'staking' | 'challenges'> = {}
  if (g.market !== undefined) {
    const m = g.market as Record<string, unknown>
    if (typeof m !== 'object' || m === null || typeof m.enabled !== 'boolean') fail('expected { "enabled": true|false }', '$.genesis.market')
    genesisExtras.market = { enabled: m.enabled }
  }
  if (g.swork !== undefined) {
    const w = g.swork as Record<string, unknown>
    if (typeof w !== 'object' || w === null) fail('expected an object', '$.genesis.swork')
    if (typeof w.attestationAuthority !== 'string' || !/^0x04[0-9a-fA-F]{128}$/.test(w.attestationAuthority)) {
      fail('expected a 0x04-prefixed uncompressed P-256 public key (65 bytes)', '$.genesis.swork.attestationAuthority')
    }
    if (!Array.isArray(w.codes)) fail('expected an array of [code, expiry block]', '$.genesis.swork.codes')
    const codes = w.codes.map((c: unknown, i: number): [string, number] => {
      if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(c[0])) {
        fail('expected [0x 32-byte code, expiry block]', `$.genesis.swork.codes[${i}]`)
      }
      if (typeof c[1] !== 'number' || !Number.isInteger(c[1]) || c[1] < 0 || c[1] > 0xffffffff)
        fail('expected a block number', `$.genesis.swork.codes[${i}][1]`)
      return [c[0], c[1]]
    })
    genesisExtras.swork = { attestationAuthority: w.attestationAuthority, codes }
  }
  if (g.staking !== undefined) {
    const st = g.staking as Record<string, unknown>
    if (
      typeof st !== 'object' ||
      st === null ||
      typeof st.startRewardEra !== 'number' ||
      !Number.isInteger(st.startRewardEra) ||
      st.startRewardEra < 0 ||
      st.startRewardEra > 0xffffffff
    ) {
      fail('expected { "startRewardEra": era index }', '$.genesis.staking')
    }
    genesisExtras.staking = { startRewardEra: st.startRewardEra }
  }
  if (g.challenges !== undefined) {
    const c = g.challenges as Record<string, unknown>
    if (typeof c !== 'object' || c === null || typeof c.enabled !== 'boolean') fail('expected { "enabled": true|false }', '$.genesis.challenges')
    genesisExtras.challenges = { enabled: c.enabled }
  }
  const runtime: SpecRuntimeOverrides = {}
  if (o.runtime !== undefined) {
    if (typeof o.runtime !== 'object' || o.runtime === null) fail('expected an object', '$.runtime')
    for (const [key, value] of Object.entries(o.runtime as Record<string, unknown>)) {
      if (!(SPEC_RUNTIME_KEYS as readonly string[]).includes(key)) fail(`unknown key (allowed: ${SPEC_RUNTIME_KEYS.join(', ')})`, `$.runtime.${key}`)
      if (key === 'existentialDeposit') {
        if (typeof value !== 'string' || !/^\d+$/.test(value)) fail('expected a decimal string', `$.runtime.${key}`)
        runtime.existentialDeposit = BigInt(value)
      } else {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail('expected a positive integer number of blocks', `$.runtime.${key}`)
        runtime[key as 'reportSlot'] = value
      }
    }
  }
  const effective = { ...defaultRuntimeConfig, ...runtime }
  // A window given with the chain's report slot must fit in it (the default one may not, for a very short slot).
  if (runtime.challengeWindow !== undefined && effective.challengeWindow >= effective.reportSlot)
    fail(`must be less than the report slot (${effective.reportSlot})`, '$.runtime.challengeWindow')
  if (effective.challengesPerNode > MAX_CHALLENGES_PER_NODE) fail(`must be at most ${MAX_CHALLENGES_PER_NODE}`, '$.runtime.challengesPerNode')
  return {
    name: o.name,
    id: o.id,
    chainType,
    properties: {
      ss58Format,
      tokenDecimals: typeof props.tokenDecimals === 'number' ? props.tokenDecimals : TOKEN_DECIMALS,
      tokenSymbol: typeof props.tokenSymbol === 'string' ? props.tokenSymbol : TOKEN_SYMBOL,
    },
    genesis: { balances, sudoKey, authorities, ...genesisExtras },
    runtime,
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
