import { rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  ChainNode,
  type ChainSpec,
  ChainError,
  ChainSpecError,
  DbError,
  DEFAULT_RPC_CORS,
  genesisAuthorities,
  loadChainSpec,
  parseRpcCors,
  parseStatePruning,
  type StatePruning,
  type RpcCors,
  type MetadataVersion,
  signerFromUri,
} from '@crust-ts/chain'
import { createLogger } from '@crust-ts/base'
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto'
import { consoleOrigins } from '@crust-ts/console'
import { CliError } from '../errors.js'
import { browserWs, type RunningConsole, startConsole } from './console.js'

export interface RunNodeOptions {
  chain: string
  basePath?: string
  rpcPort: number
  rpcExternal?: boolean
  /** Browser origins the RPC serves (`--rpc-cors`): `all` or a comma-separated list. */
  rpcCors?: string
  /** Serve the web console on this port, talking to this node's RPC (`--console-port`). */
  consolePort?: number
  blockTimeMs: number
  /** Delete the data folder first (`crust dev --reset`). */
  reset?: boolean
  /** Multi-validator networks: this node's authority key (a secret URI: never logged), its libp2p port and peers to dial. */
  validator?: string
  p2pPort?: number
  p2pHost?: string
  /** Addresses peers dial instead of the listen address (Substrate's --public-addr: behind NAT or a link proxy). */
  p2pAnnounce?: string[]
  bootnodes?: string[]
  /** `--pruning`: `archive`, or how many finalized blocks' states to keep (default 256). */
  pruning?: string
  /** `--metadata-version`: what `state_getMetadata` serves (default 14; 13 and 12 for @polkadot/api 4.x clients). */
  metadataVersion?: MetadataVersion
  /** `--signature-workers`: threads that check batches of transaction signatures (default one per further core, at most 4). */
  signatureWorkers?: number
  /** `--sync`: how a node with an empty database catches up (`full` when absent; see `ConsensusNodeInit.sync`). */
  sync?: 'full' | 'state'
  /** `--test-clock-offset-ms`: a validator's clock off by this much (chaos runs; refused on a live chain). */
  testClockOffsetMs?: number
}

/** `dev`, `local`, or a chain spec JSON file (an unreadable one is a bad `--chain`). */
export async function loadSpec(chain: string): Promise<ChainSpec> {
  try {
    return await loadChainSpec(chain)
  } catch (err) {
    if (err instanceof ChainSpecError && err.code === 'SPEC_ERROR_UNREADABLE') throw new CliError('CLI_ERROR_BAD_CHAIN', `--chain: ${err.message}`)
    throw err
  }
}

/**
 * The RPC's allowed origins: `--rpc-cors` as given, plus the console's own origins when this
 * node serves it (so `--console-port` alone works); undefined keeps the server's default.
 */
export function rpcCorsOption(rpcCors: string | undefined, consolePort: number | undefined): RpcCors | undefined {
  let cors: RpcCors | undefined
  try {
    cors = rpcCors === undefined ? undefined : parseRpcCors(rpcCors)
  } catch (err) {
    throw new CliError('CLI_ERROR_BAD_RPC_CORS', (err as Error).message)
  }
  if (consolePort === undefined || cors === 'all') return cors
  return [...(cors ?? DEFAULT_RPC_CORS), ...consoleOrigins(consolePort)]
}

function pruningOption(value: string | undefined): StatePruning | undefined {
  if (value === undefined) return undefined
  try {
    return parseStatePruning(value)
  } catch (err) {
    if (err instanceof ChainError) throw new CliError('CLI_ERROR_PRUNING', err.message)
    throw err
  }
}

/** Opens the chain node; a data folder kept in the other state mode (archive / pruned) is a bad `--pruning`. */
async function openChainNode(init: Parameters<typeof ChainNode.create>[0]): Promise<ChainNode> {
  try {
    return await ChainNode.create(init)
  } catch (err) {
    if (err instanceof DbError && err.code === 'DB_ERROR_STATE_MODE_MISMATCH') throw new CliError('CLI_ERROR_PRUNING', `--pruning: ${err.message}`)
    throw err
  }
}

/** The SS58 address of an authority's secret URI (what may be logged of it). */
async function validatorAddress(suri: string, ss58Format: number): Promise<string> {
  await cryptoWaitReady()
  return encodeAddress(signerFromUri(suri).publicKey, ss58Format)
}

/** Runs a chain node until SIGINT/SIGTERM. */
export async function runNode(options: RunNodeOptions): Promise<void> {
  const spec = await loadSpec(options.chain)
  const basePath = resolve(options.basePath ?? join(homedir(), '.crust-ts', spec.id))
  if (options.reset === true) rmSync(basePath, { recursive: true, force: true })
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const cors = rpcCorsOption(options.rpcCors, options.consolePort)
  // A spec with several authorities, or a node told to join peers, runs on the p2p network:
  // Aura slots among the authorities, blocks and transactions gossiped, sync from peers.
  const networked = spec.genesis.authorities.length > 1 || options.validator !== undefined || (options.bootnodes?.length ?? 0) > 0
  const pruning = pruningOption(options.pruning)
  if (options.sync === 'state' && pruning === 'archive')
    throw new CliError(
      'CLI_ERROR_SYNC',
      '--sync state: an archive node keeps every state since genesis, so it executes every block; drop --pruning archive or use --sync full',
    )
  if (options.testClockOffsetMs !== undefined && spec.chainType === 'Live')
    throw new CliError('CLI_ERROR_TEST_ONLY', `--test-clock-offset-ms is for test chains only; ${spec.name} is a live chain`)
  if (options.sync === 'state' && !networked) throw new CliError('CLI_ERROR_SYNC', '--sync state downloads the state from peers: give --bootnodes')
  const node = await openChainNode({
    spec,
    basePath,
    rpc: { host: options.rpcExternal === true ? '0.0.0.0' : '127.0.0.1', port: options.rpcPort, ...(cors === undefined ? {} : { cors }) },
    blockTimeMs: options.blockTimeMs,
    author: !networked,
    ...(networked ? { finality: 'external' as const } : {}),
    // A single-authority chain (dev) keeps its genesis validator on the network too: its storage
    // accounts are staking candidates for their stake limits, never authors that run no validator.
    ...(networked && spec.genesis.authorities.length === 1 ? { authorities: genesisAuthorities(spec) } : {}),
    ...(pruning === undefined ? {} : { pruning }),
    ...(options.metadataVersion === undefined ? {} : { metadataVersion: options.metadataVersion }),
    ...(options.signatureWorkers === undefined ? {} : { signatureWorkers: options.signatureWorkers }),
    logger,
  })
  let consensus: { start(): Promise<void>; stop(): Promise<void> } | undefined
  let p2pAddresses: () => string[] = () => []
  if (networked) {
    const { ConsensusNode, consensusServices, PeerGate } = await import('@crust-ts/consensus')
    const { createLibp2pHost, PEER_KEY_FILE } = await import('@crust-ts/p2p')
    // The node's one libp2p host; the chain's gate refuses banned and denied peers' connections.
    const gate = new PeerGate()
    const host = await createLibp2pHost({
      listen: [`/ip4/${options.p2pHost ?? '0.0.0.0'}/tcp/${options.p2pPort ?? 30333}`],
      ...(options.p2pAnnounce === undefined ? {} : { announce: options.p2pAnnounce }),
      bootstrap: options.bootnodes ?? [],
      peerKeyPath: join(basePath, PEER_KEY_FILE),
      services: consensusServices({ gate }),
      connectionGater: gate.connectionGater,
    })
    const started = ConsensusNode.create({
      chainNode: node,
      host,
      ...(options.validator === undefined ? {} : { validatorKey: options.validator }),
      ...(options.sync === undefined ? {} : { sync: options.sync }),
      ...(options.testClockOffsetMs === undefined ? {} : { clockOffsetMs: options.testClockOffsetMs }),
      logger,
    })
    consensus = started
    p2pAddresses = () => host.getMultiaddrs().map((a) => a.toString())
  }
  const { rpc } = await node.start()
  if (consensus !== undefined) {
    await consensus.start()
    // The authority's address, never its secret URI (it may be a mnemonic).
    const validator = options.validator === undefined ? null : await validatorAddress(options.validator, spec.properties.ss58Format)
    logger.forComponent('cli').info({ validator, p2p: p2pAddresses() }, 'on the p2p network: Aura slots, GRANDPA-style finality, gossip and sync')
  }
  let web: RunningConsole | undefined
  if (options.consolePort !== undefined) {
    const chainRpc = browserWs(rpc.host, rpc.port)
    // The dev specs' accounts are public knowledge: offer them without a wallet there only.
    const devAccounts = spec.id === 'dev' || spec.id === 'local'
    web = await startConsole(options.consolePort, () => ({ chainRpc, devAccounts, network: spec.name }))
    logger.forComponent('cli').info({ console: web.url }, 'web console served')
  }
  // A supervisor (`crust dev`) learns the endpoint over IPC instead of parsing logs.
  process.send?.({ type: 'ready', endpoints: { rpc: `ws://${rpc.host}:${rpc.port}`, p2p: p2pAddresses() } })
  if (process.stdout.isTTY === true) {
    process.stdout.write(
      `\n  ${spec.name} is running. Connect a wallet or polkadot.js apps to ws://${rpc.host}:${rpc.port}\n` +
        `  Data in ${basePath}. Dev accounts //Alice ... //Ferdie are funded; //Alice is sudo. Ctrl-C stops it.\n` +
        (web === undefined ? '\n' : `  Web console: ${web.url}\n\n`),
    )
  }
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      logger.forComponent('cli').info({ signal }, 'shutting down')
      ;(web?.stop() ?? Promise.resolve())
        .then(() => consensus?.stop())
        .then(() => node.stop())
        .then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}
