/**
 * `crust evm-node`: the EVM dev node (Hardhat's EDR in process, JSON-RPC over HTTP) with, unless
 * --no-deploy, the storage-order contract and price oracle deployed behind their proxies. The
 * contracts' owner is dev account 0; dev account 1 is the allowed order node (the merchant) and a
 * whitelisted price setter of the oracle.
 * `crust dev` runs it as a child and reads the endpoints it reports over IPC.
 */
import { createLogger } from '@crust-ts/base'
import { deployContracts, startEvmDevNode } from '@crust-ts/evm'
import { createPublicClient, createWalletClient, defineChain, http } from 'viem'
import { CliError } from '../errors.js'

export interface EvmNodeOptions {
  port: number
  host: string
  chainId: number
  blockTime: number
  deploy: boolean
}

/** What `crust evm-node` reports when ready; `crust dev` writes it into network.json under `evm`. */
export interface EvmNodeEndpoints {
  rpcUrl: string
  chainId: number
  /** Dev account 0: owns both contracts (adds order nodes and price setters, upgrades). */
  contractOwner: string
  /** Dev account 1: the allowed order node (and a price setter of the oracle), which receives the price of each order. */
  orderNodeAddress: string
  /** The proxy addresses dApps call. */
  contracts?: { storageOrder: string; priceOracle: string }
  /** The dev accounts' mnemonic (Hardhat's well-known test one: dev funds only). */
  devMnemonic: string
}

const HARDHAT_TEST_MNEMONIC = 'test test test test test test test test test test test junk'

export async function runEvmNode(opts: EvmNodeOptions): Promise<void> {
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const log = logger.forComponent('evm-node')
  const node = await startEvmDevNode({ port: opts.port, host: opts.host, chainId: opts.chainId, blockIntervalMs: opts.blockTime }).catch((err: unknown) => {
    throw new CliError('CLI_ERROR_EVM_NODE', (err as Error).message)
  })
  const [owner, orderNode] = node.accounts
  if (owner === undefined || orderNode === undefined || node.url === undefined) throw new CliError('CLI_ERROR_EVM_NODE', 'the EVM dev node has no dev accounts')
  const endpoints: EvmNodeEndpoints = {
    rpcUrl: node.url,
    chainId: node.chainId,
    contractOwner: owner,
    orderNodeAddress: orderNode,
    devMnemonic: HARDHAT_TEST_MNEMONIC,
  }
  if (opts.deploy) {
    const chain = defineChain({
      id: node.chainId,
      name: 'crust dev EVM',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    })
    const transport = http(node.url)
    const deployed = await deployContracts(createWalletClient({ account: owner, chain, transport }), createPublicClient({ chain, transport }), {
      orderNodes: [orderNode],
      // The order node keeps the oracle's prices in line with Crust's.
      priceSetters: [orderNode],
    }).catch(async (err: unknown) => {
      await node.close()
      throw new CliError('CLI_ERROR_EVM_NODE', `cannot deploy the contracts: ${(err as Error).message}`)
    })
    endpoints.contracts = { storageOrder: deployed.storageOrder, priceOracle: deployed.priceOracle }
  }
  log.info(endpoints, 'EVM dev node running')
  process.send?.({ type: 'ready', endpoints })
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down')
      node.close().then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}
