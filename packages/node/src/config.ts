/**
 * A storage node's configuration: a JSON file (optional) overlaid by command-line flags, checked
 * in one place so a typo names the key instead of being ignored.
 */
import { readFileSync } from 'node:fs'
import { CrustError } from '@crust-ts/base'
import { DEFAULT_RPC_CORS, DEFAULT_STATE_PRUNING, parseRpcCors, parseStatePruning, type RpcCors } from '@crust-ts/chain'

export type NodeMode = 'isolation' | 'member' | 'owner'
export const NODE_MODES: readonly NodeMode[] = ['isolation', 'member', 'owner']

export interface AccountConfig {
  /** A secret URI (`//Bob` in dev, a mnemonic). */
  suri?: string
  /** A file holding the secret URI (so it is not on the command line). */
  suriFile?: string
  /** A polkadot-js keystore JSON file, unlocked by `passwordFile`. */
  keystore?: string
  passwordFile?: string
  /** The keystore password itself (asked on the terminal; never read from the config file). */
  password?: string
}

/**
 * The storage node's own chain node: a follower (no authoring, no votes) that imports the
 * network's blocks over p2p, as Crust's member and isolation nodes run one.
 */
export interface EmbeddedChainConfig {
  /** `dev`, `local`, or a chain spec JSON file: the network's. */
  spec: string
  /** Chain peers (validators) to dial, `.../p2p/<peer id>`. */
  bootnodes: string[]
  /** Its JSON-RPC (loopback by default; 0 picks a free port). */
  rpcHost: string
  rpcPort: number
  /** The network's block time (it sets the Aura slot length, so it must match the validators'). */
  blockTimeMs: number
  /** States kept (`crust node --pruning`): `archive`, or a number of finalized blocks as text (default `256`). */
  pruning: string
}

export interface StorageNodeConfig {
  basePath: string
  mode: NodeMode
  /** A chain node's JSON-RPC to use; exactly one of `chainRpc` and `chain` is set. */
  chainRpc?: string
  /** Run the node's own chain node instead (its database in `<basePath>/chain`). */
  chain?: EmbeddedChainConfig
  account: AccountConfig
  /** Member mode: the group owner's address this node joins. */
  owner?: string
  /** Owner mode: the member accounts allowed into the group. */
  members: string[]
  /** `announce`: the swarm addresses peers are told to dial instead of the listen ones (a public address behind NAT, a link proxy). */
  ipfs: { apiPort: number; gatewayPort: number; swarmPort: number; swarmHost: string; bootstrap: string[]; announce: string[] }
  sworker: { apiPort: number; srdUnitSize: number; srdUnits: number }
  smanager: { apiPort: number; strategy: 'default' | 'srdFirst' | 'newFileFirst'; pullIdleTimeoutMs: number }
  metrics: { port: number }
  /**
   * Browser origins allowed to read the node's status (`GET /status` on the metrics port), in
   * `--rpc-cors` form: `all` or a comma-separated list (a port may be `*`); default: local pages.
   */
  statusCors?: string
}

export const GiB = 1024 ** 3

/** Defaults of {@link EmbeddedChainConfig} (the block time is `crust node`'s). */
export const defaultChainConfig = (): EmbeddedChainConfig => ({
  spec: 'dev',
  bootnodes: [],
  rpcHost: '127.0.0.1',
  rpcPort: 0,
  blockTimeMs: 6000,
  pruning: String(DEFAULT_STATE_PRUNING),
})

export function defaultConfig(basePath: string): StorageNodeConfig {
  return {
    basePath,
    mode: 'isolation',
    account: {},
    members: [],
    ipfs: { apiPort: 5001, gatewayPort: 8080, swarmPort: 4001, swarmHost: '0.0.0.0', bootstrap: [], announce: [] },
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
  chain: { spec: 'string', bootnodes: 'string[]', rpcHost: 'string', rpcPort: 'number', blockTimeMs: 'number', pruning: 'string' },
  owner: 'string',
  members: 'string[]',
  account: { suri: 'string', suriFile: 'string', keystore: 'string', passwordFile: 'string' },
  ipfs: { apiPort: 'number', gatewayPort: 'number', swarmPort: 'number', swarmHost: 'string', bootstrap: 'string[]', announce: 'string[]' },
  sworker: { apiPort: 'number', srdUnitSize: 'number', srdUnits: 'number' },
  smanager: { apiPort: 'number', strategy: 'string', pullIdleTimeoutMs: 'number' },
  metrics: { port: 'number' },
  statusCors: 'string',
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
  [K in keyof StorageNodeConfig]?: Layer<NonNullable<StorageNodeConfig[K]>> | undefined
}
type Layer<T> = T extends unknown[] ? T : T extends object ? { [P in keyof T]?: T[P] | undefined } : T

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
      // The embedded chain is absent by default: its first layer starts from its defaults.
      if (key === 'chain') config.chain ??= defaultChainConfig()
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
  if (c.mode !== 'owner' && c.members.length > 0) throw new NodeConfigError('members: only an owner node has members (use --mode owner)')
  const sources = [c.account.suri, c.account.suriFile, c.account.keystore].filter((s) => s !== undefined).length
  if (sources === 0) {
    throw new NodeConfigError(
      'account: give --account-file <file with the secret URI>, --keystore <file> with --password-file, or --account <secret URI> (dev: //Bob)',
    )
  }
  if (sources > 1) throw new NodeConfigError('account: give only one of suri (--account), suriFile (--account-file) and keystore (--keystore)')
  if (c.mode === 'member' && c.owner === undefined) throw new NodeConfigError('owner: a member node needs --owner <group owner address>')
  for (const [name, port] of [
    ['ipfs.apiPort', c.ipfs.apiPort],
    ['ipfs.gatewayPort', c.ipfs.gatewayPort],
    ['ipfs.swarmPort', c.ipfs.swarmPort],
    ['sworker.apiPort', c.sworker.apiPort],
    ['smanager.apiPort', c.smanager.apiPort],
    ['metrics.port', c.metrics.port],
  ] as const)
    checkPort(port, name)
  if (!Number.isSafeInteger(c.sworker.srdUnits) || c.sworker.srdUnits < 0) throw new NodeConfigError('sworker.srdUnits: expected a non-negative integer')
  if (!Number.isSafeInteger(c.sworker.srdUnitSize) || c.sworker.srdUnitSize < 1 << 20 || c.sworker.srdUnitSize % (1 << 20) !== 0) {
    throw new NodeConfigError('sworker.srdUnitSize: expected a whole number of MiB')
  }
  if (!['default', 'srdFirst', 'newFileFirst'].includes(c.smanager.strategy)) {
    throw new NodeConfigError(`smanager.strategy: "${c.smanager.strategy}" is not one of default, srdFirst, newFileFirst`)
  }
  if (c.statusCors !== undefined) statusCorsOf(c)
  validateChainSource(c)
}

/** The origins allowed to read the node's status: `statusCors` parsed, or the chain RPC's default (local pages). */
export function statusCorsOf(c: Pick<StorageNodeConfig, 'statusCors'>): RpcCors {
  if (c.statusCors === undefined) return DEFAULT_RPC_CORS
  try {
    return parseRpcCors(c.statusCors)
  } catch (err) {
    throw new NodeConfigError(`statusCors: ${(err as Error).message.replace(/^--rpc-cors: /, '')}`, { statusCors: c.statusCors })
  }
}

/** Exactly one way to the chain: a chain node's RPC, or the node's own chain node on the p2p network. */
function validateChainSource(c: StorageNodeConfig): void {
  if (c.chainRpc !== undefined && c.chain !== undefined) {
    throw new NodeConfigError(
      "chain: give either --chain-rpc <url> (a chain node's RPC) or --chain <spec> with --bootnodes (the node's own chain node), not both",
    )
  }
  if (c.chainRpc === undefined && c.chain === undefined) {
    throw new NodeConfigError(
      "chain: give --chain <spec> --bootnodes <multiaddr...> to run the node's own chain node, or --chain-rpc <url> (e.g. ws://127.0.0.1:9944) to use a chain node's RPC",
    )
  }
  if (c.chainRpc !== undefined && !/^wss?:\/\//.test(c.chainRpc)) throw new NodeConfigError(`chainRpc: "${c.chainRpc}" is not a ws:// or wss:// URL`)
  if (c.chain === undefined) return
  if (c.chain.spec === '') throw new NodeConfigError('chain.spec: expected dev, local, or a chain spec file')
  if (c.chain.bootnodes.length === 0) {
    throw new NodeConfigError("chain.bootnodes: the node's chain node follows the network: give --bootnodes <multiaddr...> (a validator's p2p address)")
  }
  for (const addr of c.chain.bootnodes) {
    if (!/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d+\/p2p\/\w+$/.test(addr))
      throw new NodeConfigError(`chain.bootnodes: "${addr}" is not a multiaddr like /ip4/<ip>/tcp/<port>/p2p/<peer id>`, { addr })
  }
  checkPort(c.chain.rpcPort, 'chain.rpcPort')
  if (!Number.isInteger(c.chain.blockTimeMs) || c.chain.blockTimeMs < 50) throw new NodeConfigError('chain.blockTimeMs: expected milliseconds, at least 50')
  try {
    parseStatePruning(c.chain.pruning)
  } catch {
    throw new NodeConfigError(`chain.pruning: expected 'archive' or a number of finalized blocks of at least 1, got '${c.chain.pruning}'`)
  }
}
