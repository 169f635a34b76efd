/**
 * `crust dev`: a complete local network from real processes on loopback: validators (chain nodes
 * that author in Aura slots and finalize over p2p), and N storage nodes (IPFS + sWorker + sManager
 * + their own chain node that follows the validators over p2p), each with its own data folder
 * under the base path. Without --reset a restart resumes the same network.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { DEFAULT_RPC_CORS, type MetadataVersion } from '@crust-ts/chain'
import { createLogger } from '@crust-ts/base'
import type { StorageNodeEndpoints } from '@crust-ts/node'
import { type ConsoleConfig, consoleOrigins } from '@crust-ts/console'
import { CliError } from '../../errors.js'
import { type RunningConsole, startConsole } from '../console.js'
import { mnemonicToAccount } from 'viem/accounts'
import type { EvmNodeEndpoints } from '../evm-node.js'
import type { OrderNodeEndpoints } from '../order-node.js'
import { DevChild } from './child.js'
import {
  GATEWAY_SERVICE_ACCOUNT,
  gatewayArgs,
  storageAccountUri,
  storageNodeArgs,
  storageNodeName,
  validatorArgs,
  validatorChain,
  validatorName,
} from './network-args.js'
import { fundAccounts, setUpStorageAccount } from './setup.js'
import { statusLine } from './status.js'

const STATUS_INTERVAL_MS = 10_000

export interface DevOptions {
  basePath: string
  chain: string
  rpcPort: number
  ipfsApiPort: number
  gatewayPort: number
  blockTime: number
  /** Validators: 1 runs the single-authority dev chain; more run the local spec's authorities over p2p. */
  validators: number
  storageNodes: number
  srdUnits: number
  srdUnitSize: number
  /** W3Auth gateway and pinning service ports; `gateway: false` runs neither. */
  w3authPort: number
  psaPort: number
  gateway: boolean
  /** The web console's port; `console: false` serves none. */
  consolePort: number
  console: boolean
  /** The EVM dev node (with the storage-order contract) and its JSON-RPC port; `evm: false` runs none. */
  evm: boolean
  evmPort: number
  /** The EVM order node's HTTP API port (it runs with the EVM dev node). */
  orderNodePort: number
  reset: boolean
  /** `--pruning` of the validators and the storage nodes' chain nodes: `archive` or a number of finalized blocks (default: validators archive, storage nodes theirs, 256). */
  pruning?: string
  /** `--metadata-version` of the validators (what `state_getMetadata` serves on the dev RPC; default 14). */
  metadataVersion?: MetadataVersion
}

export { GATEWAY_SERVICE_ACCOUNT, storageAccountUri } from './network-args.js'

/** How often the dev order node checks the price oracle against the chain's fees. */
const DEV_PRICE_INTERVAL_MS = 10_000
/** The dev rate, as the contracts were deployed with (`DEV_ORACLE_PRICES` of the evm package, not loaded here: it pulls in Hardhat). */
const DEV_CRU_PER_ETH = '10000'

/** The dev Crust account that pays for the EVM order node's orders. */
export const ORDER_NODE_ACCOUNT = '//EvmOrderNode'

/** The network the validators run: its spec (as given to `crust node --chain`), first RPC and p2p addresses. */
interface ValidatorNetwork {
  chain: string
  rpc: string
  p2p: string[]
}

/**
 * Starts the validator(s) on the p2p network (one too: it gossips its blocks and serves sync to
 * the storage nodes' chain nodes); the first one's RPC is the network's.
 */
async function startValidators(
  opts: DevOptions,
  rpcCors: string[],
  basePath: string,
  children: Array<{ stop(): Promise<void> }>,
  onExit: (child: { spec: { name: string }; logFile: string }, how: string) => void,
  log: ReturnType<ReturnType<typeof createLogger>['forComponent']>,
): Promise<ValidatorNetwork> {
  const chain = await validatorChain(opts.chain, opts.validators)
  // A dev network is for looking at: its validators keep every state (the console's block pages and
  // explorers read old blocks' events), as the console's issue asks; the storage nodes prune.
  const pruning = { pruning: opts.pruning ?? 'archive' }
  const metadata = opts.metadataVersion === undefined ? {} : { metadataVersion: opts.metadataVersion }
  let first: { rpc: string } | undefined
  const bootnodes: string[] = []
  for (let i = 0; i < opts.validators; i++) {
    const name = validatorName(i, opts.validators)
    const dir = join(basePath, name)
    const rpcPort = i === 0 ? opts.rpcPort : 0
    // Browsers: local pages (Substrate's default) and the console, wherever it is served.
    const args = validatorArgs({
      index: i,
      chain,
      dir,
      rpcPort,
      rpcCors,
      blockTime: opts.blockTime,
      p2pPort: 0,
      p2pHost: '127.0.0.1',
      bootnodes,
      ...pruning,
      ...metadata,
    })
    const child = new DevChild<{ rpc: string; p2p: string[] }>({ name, dir, args }, onExit)
    children.push(child)
    log.info({ validator: name }, `starting ${name}`)
    const endpoints = await child.start()
    bootnodes.push(...endpoints.p2p)
    first ??= endpoints
    log.info({ validator: name, rpc: endpoints.rpc, p2p: endpoints.p2p }, `${name} ready`)
  }
  return { chain, rpc: first!.rpc, p2p: bootnodes }
}

export interface DevNetworkInfo {
  /** The first validator's RPC. */
  chainRpc: string
  /** The validators' p2p addresses: `--bootnodes` of any other node of this network. */
  bootnodes: string[]
  gateway?: { gateway: string; psa: string; serviceAccount: string }
  /** The web console's URL (unless --no-console). */
  console?: string
  /** The EVM dev node: its JSON-RPC URL, chain id, the storage-order and price-oracle contract addresses, the order node's address. */
  evm?: EvmNodeEndpoints & { pid: number | undefined; orderNode?: OrderNodeEndpoints & { pid: number | undefined } }
  storageNodes: Array<{ name: string; accountUri: string; dir: string; pid: number | undefined } & Required<StorageNodeEndpoints>>
}

export async function runDev(opts: DevOptions): Promise<void> {
  await cryptoWaitReady()
  const basePath = resolve(opts.basePath)
  if (opts.reset) rmSync(basePath, { recursive: true, force: true })
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const log = logger.forComponent('dev')
  const children: Array<{ stop(): Promise<void> }> = []
  let shuttingDown = false
  const onExit = (child: { spec: { name: string }; logFile: string }, how: string) => {
    if (shuttingDown) return
    log.warn(
      { node: child.spec.name, how, log: child.logFile },
      `${child.spec.name} stopped; the rest of the network keeps running (restart crust dev to bring it back)`,
    )
  }
  const stopAll = async () => {
    shuttingDown = true
    // Storage nodes and the gateway first, while the validators still take their last transactions
    // (a work report in flight waits for its block); then the validators.
    const validators = children.slice(0, Math.min(opts.validators, children.length))
    await Promise.all([...children.slice(validators.length), ...(evmChild === undefined ? [] : [evmChild])].map((c) => c.stop()))
    await Promise.all(validators.map((c) => c.stop()))
  }
  const stopped = new Promise<string>((done) => {
    process.once('SIGINT', () => done('SIGINT'))
    process.once('SIGTERM', () => done('SIGTERM'))
  })
  let api: ApiPromise | undefined
  let web: RunningConsole | undefined
  // The EVM dev node starts beside the validators (it needs nothing from them), so it adds little
  // to the start time; it is stopped with the storage nodes, before the validators.
  const evmChild = opts.evm
    ? new DevChild<EvmNodeEndpoints>(
        { name: 'evm', dir: join(basePath, 'evm'), args: ['evm-node', '--port', String(opts.evmPort), '--block-time', String(opts.blockTime)] },
        onExit,
      )
    : undefined
  const evmReady = evmChild?.start()
  // Awaited below; until then a failure must not be an unhandled rejection.
  evmReady?.catch(() => {})
  try {
    // First, so the validators' --rpc-cors can name its origin; it says "starting" until the network is up.
    let consoleConfig: ConsoleConfig | undefined
    if (opts.console) web = await startConsole(opts.consolePort, () => consoleConfig)
    const rpcCors = [...DEFAULT_RPC_CORS, ...(web === undefined ? [] : consoleOrigins(web.port))]
    const validators = await startValidators(opts, rpcCors, basePath, children, onExit, log)
    const { rpc } = validators
    api = await ApiPromise.create({ provider: new WsProvider(rpc) as unknown as ApiOptions['provider'], noInitWarn: true, throwOnConnect: true } as ApiOptions)
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    const accounts: KeyringPair[] = Array.from({ length: opts.storageNodes }, (_, i) => keyring.addFromUri(storageAccountUri(i)))
    const services = [...(opts.gateway ? [GATEWAY_SERVICE_ACCOUNT] : []), ...(opts.evm ? [ORDER_NODE_ACCOUNT] : [])].map((uri) => keyring.addFromUri(uri))
    await fundAccounts(api, keyring.addFromUri('//Alice'), [...accounts, ...services])
    // Before the nodes start, so their sWorkers are the only users of these accounts afterwards.
    const chain = api
    await Promise.all(
      accounts.map(async (account) => {
        // With several validators the storage accounts only bond: were they candidates, the next
        // election would hand authoring to accounts that run no validator (their storage nodes'
        // chain nodes only follow). One validator (dev) keeps its genesis authority throughout,
        // so there they are candidates, for their stake limits.
        const done = await setUpStorageAccount(chain, account, { candidate: opts.validators <= 1 })
        if (done.length > 0) log.info({ account: account.address, done }, 'storage account set up')
      }),
    )

    const info: DevNetworkInfo = { chainRpc: rpc, bootnodes: validators.p2p, storageNodes: [] }
    const multiaddrs: string[] = []
    const pruning = opts.pruning === undefined ? {} : { pruning: opts.pruning }
    for (let i = 0; i < opts.storageNodes; i++) {
      const name = storageNodeName(i)
      const dir = join(basePath, name)
      const first = i === 0
      // Its own chain node, following the validators over p2p (RPC on a free loopback port).
      const args = storageNodeArgs({
        index: i,
        chain: validators.chain,
        dir,
        bootnodes: validators.p2p,
        blockTime: opts.blockTime,
        rpcPort: 0,
        ipfsApiPort: first ? opts.ipfsApiPort : 0,
        gatewayPort: first ? opts.gatewayPort : 0,
        swarmPort: 0,
        swarmHost: '127.0.0.1',
        sworkerPort: 0,
        smanagerPort: 0,
        metricsPort: 0,
        srdUnits: opts.srdUnits,
        srdUnitSize: opts.srdUnitSize,
        bootstrap: multiaddrs,
        ...pruning,
      })
      const child = new DevChild<Required<StorageNodeEndpoints>>({ name, dir, args }, onExit)
      children.push(child)
      log.info({ node: name, account: accounts[i]!.address }, `starting storage node ${name}`)
      const endpoints = await child.start()
      // Every node dials every earlier one: bitswap asks only connected peers, so a full mesh
      // lets a file added on any node reach all the others.
      multiaddrs.push(...endpoints.multiaddrs)
      info.storageNodes.push({ name, accountUri: storageAccountUri(i), dir, pid: child.pid, ...endpoints })
      log.info({ node: name, chainRpc: endpoints.chainRpc, ipfsApi: endpoints.ipfsApi, gateway: endpoints.gateway }, `${name} ready`)
    }
    const nodeA = info.storageNodes[0]
    if (opts.gateway && nodeA !== undefined) {
      const dir = join(basePath, 'gateway')
      const gateway = new DevChild<NonNullable<DevNetworkInfo['gateway']>>(
        {
          name: 'gateway',
          dir,
          args: gatewayArgs({
            dir,
            ipfsApi: nodeA.ipfsApi,
            ipfsGateway: nodeA.gateway,
            chainRpc: rpc,
            port: opts.w3authPort,
            psaPort: opts.psaPort,
            replicas: Math.min(3, opts.storageNodes),
          }),
        },
        onExit,
      )
      children.push(gateway)
      info.gateway = await gateway.start()
      log.info(info.gateway, 'W3Auth gateway and pinning service ready')
    }
    if (evmReady !== undefined) {
      info.evm = { ...(await evmReady), pid: evmChild?.pid }
      log.info(info.evm, 'EVM dev node ready')
      if (info.evm.contracts !== undefined) {
        const orderNode = orderNodeChild(info.evm, basePath, rpc, nodeA?.ipfsApi, opts.orderNodePort, onExit)
        children.push(orderNode)
        info.evm.orderNode = { ...(await orderNode.start()), pid: orderNode.pid }
        log.info(info.evm.orderNode, 'EVM order node ready')
      }
    }
    // Last, once everything it names runs (until then the page says the network is starting).
    if (web !== undefined) {
      info.console = web.url
      consoleConfig = {
        chainRpc: rpc,
        devAccounts: true,
        network: 'crust dev',
        ...(info.gateway === undefined ? {} : { gateway: info.gateway.gateway }),
        ...(nodeA === undefined ? {} : { ipfsGateway: nodeA.gateway }),
        // Their status ports are loopback and admit local pages (the console's origin) by default.
        storageNodes: info.storageNodes.map((n) => ({ name: n.name, account: n.account, status: n.status })),
        // Orders paid on the EVM dev node reach Crust through its order node.
        ...(info.evm?.contracts === undefined || info.evm.orderNode === undefined
          ? {}
          : { evm: { rpc: info.evm.rpcUrl, chainId: info.evm.chainId, storageOrder: info.evm.contracts.storageOrder as `0x${string}` } }),
      }
    }
    writeFileSync(join(basePath, 'network.json'), `${JSON.stringify(info, null, 2)}\n`)
    printEndpoints(info, basePath)
    log.info({ network: join(basePath, 'network.json') }, 'dev network ready')
    const timer = setInterval(() => {
      statusLine(chain, info.storageNodes).then(
        (line) => (process.stdout.isTTY === true ? process.stdout.write(`  ${line}\n`) : log.info({ status: line }, 'status')),
        () => {},
      )
    }, STATUS_INTERVAL_MS)
    const signal = await stopped
    clearInterval(timer)
    log.info({ signal }, 'stopping the dev network')
  } finally {
    await api?.disconnect().catch(() => {})
    await web?.stop()
    await stopAll()
  }
}

/**
 * The EVM order node of the dev network: dev account 1 (the contract's allowed node) as merchant,
 * a funded dev Crust account paying, one confirmation, keeping the oracle (it is a price setter);
 * both secrets in 0600 files of its folder.
 */
function orderNodeChild(
  evm: EvmNodeEndpoints & { contracts?: { storageOrder: string } },
  basePath: string,
  chainRpc: string,
  ipfsApi: string | undefined,
  port: number,
  onExit: (child: { spec: { name: string }; logFile: string }, how: string) => void,
): DevChild<OrderNodeEndpoints> {
  const dir = join(basePath, 'order-node')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const key = mnemonicToAccount(evm.devMnemonic, { addressIndex: 1 }).getHdKey().privateKey
  if (key === null) throw new CliError('CLI_ERROR_EVM_NODE', 'no private key for dev account 1')
  writeFileSync(join(dir, 'evm.key'), `0x${Buffer.from(key).toString('hex')}\n`, { mode: 0o600 })
  writeFileSync(join(dir, 'account'), `${ORDER_NODE_ACCOUNT}\n`, { mode: 0o600 })
  const args = ['order-node', '--evm-rpc', evm.rpcUrl, '--contract', evm.contracts!.storageOrder, '--evm-key-file', join(dir, 'evm.key')]
  args.push('--chain', chainRpc, '--account-file', join(dir, 'account'), '--confirmations', '1', '--poll', '500', '--from-block', '0')
  args.push('--data', join(dir, 'data'), '--port', String(port), ...(ipfsApi === undefined ? [] : ['--ipfs-api', ipfsApi]))
  // The oracle follows the dev chain's fees (checked every 10 s) at the dev rate of 10,000 CRU per ETH.
  args.push('--cru-eth-rate', DEV_CRU_PER_ETH, '--price-interval', String(DEV_PRICE_INTERVAL_MS))
  return new DevChild<OrderNodeEndpoints>({ name: 'order-node', dir, args }, onExit)
}

function printEndpoints(info: DevNetworkInfo, basePath: string): void {
  if (process.stdout.isTTY !== true) return
  const lines = [
    '',
    '  crust dev network is running (Ctrl-C stops it)',
    `  chain RPC         ${info.chainRpc}   (the validator's; polkadot.js apps, @polkadot/api; //Alice is sudo)`,
    `  chain p2p         ${info.bootnodes.join(' ')}   (--bootnodes of another node)`,
    ...info.storageNodes.flatMap((n) => [
      `  ${n.name} (${n.accountUri})`,
      `    chain RPC       ${n.chainRpc}   (its own chain node, synced over p2p)`,
      `    IPFS API        ${n.ipfsApi}`,
      `    gateway         ${n.gateway}/ipfs/<cid>`,
      `    sWorker         ${n.sworkerApi}/api/v0/workload`,
      `    sManager        ${n.smanagerApi}/api/v0/tasks`,
      `    metrics         ${n.metrics}`,
      `    status          ${n.status}   (read-only JSON: sync, sWorker, SRD, tasks, challenges, peers)`,
    ]),
    ...(info.gateway === undefined
      ? []
      : [
          `  W3Auth gateway    ${info.gateway.gateway}/api/v0/add   (Authorization: Basic base64("sub-<address>:<signature of the address>"))`,
          `  pinning service   ${info.gateway.psa}/pins   (IPFS Pinning Service API, W3Auth bearer token)`,
        ]),
    ...(info.console === undefined ? [] : [`  web console       ${info.console}   (chain, files and nodes in the browser; dev accounts built in)`]),
    ...(info.evm === undefined
      ? []
      : [
          `  EVM JSON-RPC      ${info.evm.rpcUrl}   (chain id ${info.evm.chainId}; viem, ethers, MetaMask; dev accounts from Hardhat's test mnemonic)`,
          `  storage order     ${info.evm.contracts?.storageOrder ?? '(not deployed)'}   (contract: getPrice, placeOrder, placeOrderWithNode)`,
          `  price oracle      ${info.evm.contracts?.priceOracle ?? '(not deployed)'}`,
          `  EVM order node    ${info.evm.orderNodeAddress}   (the allowed merchant)`,
          ...(info.evm.orderNode === undefined
            ? []
            : [`    API             ${info.evm.orderNode.api}/events   (crust order-node events --api ${info.evm.orderNode.api})`]),
        ]),
    `  data and logs     ${basePath}`,
    `  try:              npx crust upload <file> --api ${info.storageNodes[0]?.ipfsApi ?? ''} --chain ${info.chainRpc}`,
    '',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
