/**
 * The command lines of a local network's processes, shared by `crust dev` (all on loopback) and
 * `crust testnet` (each in its own network namespace): the same `crust node`, storage node and
 * gateway flags a user would run, only the addresses differ.
 */
import { devAddress, LOCAL_AUTHORITIES, type MetadataVersion } from '@crust-ts/chain'
import { CliError } from '../../errors.js'
import { loadSpec } from '../node.js'

/** The dev service account that pays for the pinning service's orders. */
export const GATEWAY_SERVICE_ACCOUNT = '//Gateway'

/** Storage accounts: the funded genesis accounts first, then derived ones that Alice funds. */
const GENESIS_STORAGE = ['//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie']
export const storageAccountUri = (i: number) => GENESIS_STORAGE[i] ?? `//Storage${i + 1}`
export const storageNodeName = (i: number) => `node-${i < 26 ? String.fromCharCode(97 + i) : i + 1}`
export const validatorName = (i: number, of: number) => (of > 1 ? `validator-${i + 1}` : 'validator')

/**
 * The spec `validators` validators run (the local spec when several run on `dev`), checked: its
 * first authorities must be the dev keys the validators get (//Alice//stash, //Bob//stash, ...),
 * in order, or no validator would author.
 */
export async function validatorChain(chain: string, validators: number): Promise<string> {
  if (validators < 1 || validators > LOCAL_AUTHORITIES.length) {
    throw new CliError('CLI_ERROR_DEV_VALIDATORS', `--validators: expected 1 to ${LOCAL_AUTHORITIES.length} (the local spec's authorities)`)
  }
  const spec = validators > 1 && chain === 'dev' ? 'local' : chain
  const authorities = (await loadSpec(spec)).genesis.authorities
  for (let i = 0; i < validators; i++) {
    if (authorities[i] !== devAddress(LOCAL_AUTHORITIES[i]!)) {
      throw new CliError('CLI_ERROR_DEV_VALIDATORS', `--chain ${spec}: authority ${i + 1} is not //${LOCAL_AUTHORITIES[i]}, the key validator ${i + 1} gets`)
    }
  }
  return spec
}

export interface ValidatorArgs {
  /** 0-based: validator i authors with //<LOCAL_AUTHORITIES[i]>. */
  index: number
  chain: string
  dir: string
  rpcPort: number
  /** Listen for RPC on all interfaces (a node in a namespace is reached on its own address). */
  rpcExternal?: boolean
  rpcCors?: string[]
  blockTime: number
  p2pPort: number
  p2pHost: string
  /** What peers are told to dial (a link proxy in front of the node). */
  p2pAnnounce?: string[]
  bootnodes: string[]
  /** `--pruning`: `archive` or a number of finalized blocks whose states are kept (default: the node's). */
  pruning?: string
  /** `--metadata-version`: what `state_getMetadata` serves (default: the node's, 14). */
  metadataVersion?: MetadataVersion
}

/** `crust node` as validator `index`. */
export function validatorArgs(v: ValidatorArgs): string[] {
  const args = ['node', '--chain', v.chain, '--base-path', v.dir, '--rpc-port', String(v.rpcPort), '--block-time', String(v.blockTime)]
  args.push('--validator', `//${LOCAL_AUTHORITIES[v.index]}`, '--p2p-port', String(v.p2pPort), '--p2p-host', v.p2pHost)
  if (v.rpcExternal === true) args.push('--rpc-external')
  if (v.rpcCors !== undefined) args.push('--rpc-cors', v.rpcCors.join(','))
  if (v.p2pAnnounce !== undefined && v.p2pAnnounce.length > 0) args.push('--p2p-announce', ...v.p2pAnnounce)
  if (v.bootnodes.length > 0) args.push('--bootnodes', ...v.bootnodes)
  if (v.pruning !== undefined) args.push('--pruning', v.pruning)
  if (v.metadataVersion !== undefined) args.push('--metadata-version', String(v.metadataVersion))
  return args
}

export interface StorageNodeArgs {
  /** 0-based: storage node i uses `storageAccountUri(i)`. */
  index: number
  chain: string
  dir: string
  /** The validators' p2p addresses: its own chain node follows them. */
  bootnodes: string[]
  blockTime: number
  rpcPort: number
  rpcExternal?: boolean
  ipfsApiPort: number
  gatewayPort: number
  swarmPort: number
  swarmHost: string
  swarmAnnounce?: string[]
  sworkerPort: number
  smanagerPort: number
  metricsPort: number
  srdUnits: number
  srdUnitSize: number
  /** Other storage nodes' swarm addresses (bitswap asks only connected peers). */
  bootstrap: string[]
  /** `--pruning` of its chain node (default: the node's). */
  pruning?: string
}

/** `crust node --mode isolation` with its own chain node following the validators. */
export function storageNodeArgs(s: StorageNodeArgs): string[] {
  const args = ['node', '--mode', 'isolation', '--base-path', s.dir, '--account', storageAccountUri(s.index), '--chain', s.chain]
  args.push('--bootnodes', ...s.bootnodes, '--block-time', String(s.blockTime), '--rpc-port', String(s.rpcPort))
  if (s.rpcExternal === true) args.push('--rpc-external')
  args.push('--ipfs-api-port', String(s.ipfsApiPort), '--gateway-port', String(s.gatewayPort))
  args.push('--swarm-port', String(s.swarmPort), '--swarm-host', s.swarmHost)
  if (s.swarmAnnounce !== undefined && s.swarmAnnounce.length > 0) args.push('--swarm-announce', ...s.swarmAnnounce)
  args.push('--sworker-port', String(s.sworkerPort), '--smanager-port', String(s.smanagerPort), '--metrics-port', String(s.metricsPort))
  args.push('--srd-units', String(s.srdUnits), '--srd-unit', String(s.srdUnitSize))
  if (s.bootstrap.length > 0) args.push('--bootstrap', ...s.bootstrap)
  if (s.pruning !== undefined) args.push('--pruning', s.pruning)
  return args
}

export interface GatewayArgs {
  dir: string
  ipfsApi: string
  ipfsGateway: string
  chainRpc: string
  host?: string
  port: number
  psaPort: number
  replicas: number
}

/** `crust gateway` (W3Auth gateway and pinning service) paid by the dev service account. */
export function gatewayArgs(g: GatewayArgs): string[] {
  const args = ['gateway', '--ipfs-api', g.ipfsApi, '--ipfs-gateway', g.ipfsGateway, '--chain', g.chainRpc, '--account', GATEWAY_SERVICE_ACCOUNT]
  args.push('--data', g.dir, '--port', String(g.port), '--psa-port', String(g.psaPort), '--replicas', String(g.replicas))
  if (g.host !== undefined) args.push('--host', g.host)
  // The nodes listen on private addresses: pins' origins name them there.
  args.push('--psa-dial-private')
  return args
}
