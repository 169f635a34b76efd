/**
 * A storage node's configuration: a JSON file (optional) overlaid by command-line flags, checked
 * in one place so a typo names the key instead of being ignored.
 */
import { readFileSync } from 'node:fs'
import { CrustError } from '@crust-ts/chain/errors'

export type NodeMode = 'isolation' | 'member' | 'owner'
export const NODE_MODES: readonly NodeMode[] = ['isolation', 'member', 'owner']

export interface AccountConfig {
  /** A secret URI (`//Bob` in dev, a mnemonic). */
  suri?: string
  /** A polkadot-js keystore JSON file, unlocked by `passwordFile`. */
  keystore?: string
  passwordFile?: string
  /** The keystore password itself (asked on the terminal; never read from the config file). */
  password?: string
}

export interface StorageNodeConfig {
  basePath: string
  mode: NodeMode
  /** The chain's JSON-RPC (until storage nodes run their own chain node). */
  chainRpc: string
  account: AccountConfig
  /** Member mode: the group owner's address this node joins. */
  owner?: string
  /** Owner mode: the member accounts allowed into the group. */
  members: string[]
  ipfs: { apiPort: number; gatewayPort: number; swarmPort: number; swarmHost: string; bootstrap: string[] }
  sworker: { apiPort: number; srdUnitSize: number; srdUnits: number }
  smanager: { apiPort: number; strategy: 'default' | 'srdFirst' | 'newFileFirst'; pullIdleTimeoutMs: number }
  metrics: { port: number }
}

export const GiB = 1024 ** 3

export function defaultConfig(basePath: string): StorageNodeConfig {
  return {
    basePath,
    mode: 'isolation',
    chainRpc: 'ws://127.0.0.1:9944',
    account: {},
    members: [],
    ipfs: { apiPort: 5001, gatewayPort: 8080, swarmPort: 4001, swarmHost: '0.0.0.0', bootstrap: [] },
    sworker: { apiPort: 12222, srdUnitSize: GiB, srdUnits: 0 },
    smanager: { apiPort: 12223, strategy: 'default', pullIdleTimeoutMs: 120_000 },
    metrics: { port: 9615 },
  }
}

export class NodeConfigError extends CrustError {
  constructor(message: string, meta?: Record<string, unknown>) {
    super('NODE_ERROR_CONFIG', message, meta)
  }
}

type Shape = { [key: string]: 'string' | 'number' | 'string[]' | Shape }

const SHAPE: Shape = {
  basePath: 'string',
  mode: 'string',
  chainRpc: 'string',
  owner: 'string',
  members: 'string[]',
  account: { suri: 'string', keystore: 'string', passwordFile: 'string' },
  ipfs: { apiPort: 'number', gatewayPort: 'number', swarmPort: 'number', swarmHost: 'string', bootstrap: 'string[]' },
  sworker: { apiPort: 'number', srdUnitSize: 'number', srdUnits: 'number' },
  smanager: { apiPort: 'number', strategy: 'string', pullIdleTimeoutMs: 'number' },
  metrics: { port: 'number' },
}

function checkShape(value: unknown, shape: Shape, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NodeConfigError(`${path}: expected an object`, { path })
  for (const [key, v] of Object.entries(value)) {
    const expected = shape[key]
    const at = `${path}.${key}`
    if (expected === undefined) throw new NodeConfigError(`${at}: unknown key (allowed: ${Object.keys(shape).join(', ')})`, { path: at })
    if (typeof expected === 'object') checkShape(v, expected, at)
    else if (expected === 'string[]') {
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new NodeConfigError(`${at}: expected a list of strings`, { path: at })
    } else if (typeof v !== expected) throw new NodeConfigError(`${at}: expected a ${expected}`, { path: at })
  }
}

/** A layer of configuration: any key may be missing or undefined (then a lower layer's value stays). */
export type PartialConfig = {
  [K in keyof StorageNodeConfig]?:
    | (StorageNodeConfig[K] extends unknown[] ? StorageNodeConfig[K] : StorageNodeConfig[K] extends object ? { [P in keyof StorageNodeConfig[K]]?: StorageNodeConfig[K][P] | undefined } : StorageNodeConfig[K])
    | undefined
}

/** Reads and checks a JSON config file (every key optional). */
export function readConfigFile(file: string): PartialConfig {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new NodeConfigError(`--config: cannot read ${file}: ${(err as Error).message}`, { file })
  }
  checkShape(json, SHAPE, '$')
  return json as PartialConfig
}

/** Defaults, then the file, then the flags; the result is checked. */
export function resolveConfig(basePath: string, ...layers: PartialConfig[]): StorageNodeConfig {
  const config = defaultConfig(basePath)
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer) as Array<[keyof StorageNodeConfig, unknown]>) {
      if (value === undefined) continue
      const current = config[key]
      if (typeof current === 'object' && !Array.isArray(current) && typeof value === 'object') {
        Object.assign(current, Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== undefined)))
      } else (config as unknown as Record<string, unknown>)[key] = value
    }
  }
  validateConfig(config)
  return config
}

function checkPort(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new NodeConfigError(`${name}: expected a port number 0-65535`, { [name]: value })
}

function validateConfig(c: StorageNodeConfig): void {
  if (!NODE_MODES.includes(c.mode)) throw new NodeConfigError(`mode: "${c.mode}" is not one of ${NODE_MODES.join(', ')}`)
  if (!/^wss?:\/\//.test(c.chainRpc)) throw new NodeConfigError(`chainRpc: "${c.chainRpc}" is not a ws:// or wss:// URL`)
  if (c.mode !== 'owner' && c.members.length > 0) throw new NodeConfigError('members: only an owner node has members (use --mode owner)')
  if (c.account.suri === undefined && c.account.keystore === undefined) {
    throw new NodeConfigError('account: give --account <secret URI> (dev: //Bob) or --keystore <file> with --password-file')
  }
  if (c.mode === 'member' && c.owner === undefined) throw new NodeConfigError('owner: a member node needs --owner <group owner address>')
  for (const [name, port] of [
    ['ipfs.apiPort', c.ipfs.apiPort],
    ['ipfs.gatewayPort', c.ipfs.gatewayPort],
    ['ipfs.swarmPort', c.ipfs.swarmPort],
    ['sworker.apiPort', c.sworker.apiPort],
    ['smanager.apiPort', c.smanager.apiPort],
    ['metrics.port', c.metrics.port],
  ] as const) checkPort(port, name)
  if (!Number.isSafeInteger(c.sworker.srdUnits) || c.sworker.srdUnits < 0) throw new NodeConfigError('sworker.srdUnits: expected a non-negative integer')
  if (!Number.isSafeInteger(c.sworker.srdUnitSize) || c.sworker.srdUnitSize < 1 << 20 || c.sworker.srdUnitSize % (1 << 20) !== 0) {
    throw new NodeConfigError('sworker.srdUnitSize: expected a whole number of MiB')
  }
  if (!['default', 'srdFirst', 'newFileFirst'].includes(c.smanager.strategy)) {
    throw new NodeConfigError(`smanager.strategy: "${c.smanager.strategy}" is not one of default, srdFirst, newFileFirst`)
  }
}
