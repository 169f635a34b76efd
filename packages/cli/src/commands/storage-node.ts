/** `crust node --mode isolation|member|owner`: a storage node until SIGINT/SIGTERM. */
import { resolve } from 'node:path'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '@crust-ts/base'
import type { NodeMode, PartialConfig } from '@crust-ts/node'
import { type RunningConsole, startConsole } from './console.js'

export interface StorageNodeFlags {
  config?: string
  basePath?: string
  mode: string
  chainRpc?: string
  /** The node's own chain node: the network's spec (given on the command line, not the default). */
  chain?: string
  bootnodes?: string[]
  rpcPort?: number
  rpcExternal?: boolean
  blockTime?: number
  /** The node's own chain node: `--pruning` (`archive` or a number of finalized blocks). */
  pruning?: string
  account?: string
  accountFile?: string
  keystore?: string
  passwordFile?: string
  owner?: string
  members?: string[]
  ipfsApiPort?: number
  gatewayPort?: number
  swarmPort?: number
  swarmHost?: string
  /** Swarm addresses peers dial instead of the listen address (behind NAT or a link proxy). */
  swarmAnnounce?: string[]
  bootstrap?: string[]
  sworkerPort?: number
  smanagerPort?: number
  metricsPort?: number
  /** Browser origins that may read the node's status (`--rpc-cors` form). */
  statusCors?: string
  srdUnits?: number
  srdUnit?: number
  /** Serve the web console on this port (chain and nodes; uploads need a W3Auth gateway). */
  consolePort?: number
}

/** Only the flags given on the command line (so a config file's values are not overwritten by defaults). */
function flagLayer(f: StorageNodeFlags): PartialConfig {
  return {
    mode: f.mode as NodeMode,
    ...(f.chainRpc === undefined ? {} : { chainRpc: f.chainRpc }),
    ...(f.chain === undefined && f.bootnodes === undefined
      ? {}
      : {
          chain: {
            spec: f.chain,
            bootnodes: f.bootnodes,
            rpcPort: f.rpcPort,
            rpcHost: f.rpcExternal === true ? '0.0.0.0' : undefined,
            blockTimeMs: f.blockTime,
            pruning: f.pruning,
          },
        }),
    ...(f.owner === undefined ? {} : { owner: f.owner }),
    ...(f.members === undefined ? {} : { members: f.members }),
    account: { suri: f.account, suriFile: f.accountFile, keystore: f.keystore, passwordFile: f.passwordFile },
    ipfs: {
      apiPort: f.ipfsApiPort,
      gatewayPort: f.gatewayPort,
      swarmPort: f.swarmPort,
      swarmHost: f.swarmHost,
      bootstrap: f.bootstrap,
      announce: f.swarmAnnounce,
    },
    sworker: { apiPort: f.sworkerPort, srdUnits: f.srdUnits, srdUnitSize: f.srdUnit },
    smanager: { apiPort: f.smanagerPort },
    metrics: { port: f.metricsPort },
    ...(f.statusCors === undefined ? {} : { statusCors: f.statusCors }),
  }
}

export async function runStorageNode(flags: StorageNodeFlags): Promise<void> {
  const { loadAccount, readConfigFile, resolveConfig, startStorageNode } = await import('@crust-ts/node')
  const file = flags.config === undefined ? {} : readConfigFile(flags.config)
  // An account given on the command line replaces the config file's (not merged with it).
  if (file.account !== undefined && (flags.account ?? flags.accountFile ?? flags.keystore) !== undefined) {
    file.account = { passwordFile: file.account.passwordFile }
  }
  const basePath = resolve(flags.basePath ?? file.basePath ?? join(homedir(), '.crust-ts', 'storage-node'))
  const config = resolveConfig(basePath, file, flagLayer(flags))
  if (config.account.keystore !== undefined && config.account.passwordFile === undefined && process.stdin.isTTY === true) {
    const { promptPassword } = await import('./password-prompt.js')
    config.account.password = await promptPassword(`password of ${config.account.keystore}: `)
  }
  const account = await loadAccount(config.account)
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  // A signal while the node's chain node still syncs aborts the start (its parts stop cleanly).
  const starting = new AbortController()
  const received = new Promise<string>((resolve) => {
    const on = (signal: string) => {
      starting.abort(new Error(`${signal} received while starting`))
      resolve(signal)
    }
    process.once('SIGINT', () => on('SIGINT'))
    process.once('SIGTERM', () => on('SIGTERM'))
  })
  let node: Awaited<ReturnType<typeof startStorageNode>>
  try {
    node = await startStorageNode(config, account, logger, starting.signal)
  } catch (err) {
    if (starting.signal.aborted) return
    throw err
  }
  let web: RunningConsole | undefined
  if (flags.consolePort !== undefined) {
    const { chainRpc, gateway, account, status } = node.endpoints
    web = await startConsole(flags.consolePort, () => ({
      chainRpc,
      ...(gateway === undefined ? {} : { ipfsGateway: gateway }),
      devAccounts: false,
      storageNodes: [{ name: 'this node', account, status }],
    }))
    logger.forComponent('cli').info({ console: web.url }, 'web console served (its chain node must admit its origin: --rpc-cors)')
  }
  // A supervisor (`crust dev`) learns the endpoints over IPC instead of parsing logs.
  process.send?.({ type: 'ready', endpoints: node.endpoints })
  const signal = await received
  logger.forComponent('cli').info({ signal }, 'shutting down')
  await web?.stop()
  await node.stop()
}
