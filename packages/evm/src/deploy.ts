/**
 * Deploys the price oracle and the storage-order contract, each as an implementation behind an
 * ERC-1967 proxy (UUPS, as Crust's): dApps keep one address while the owner can upgrade.
 */
import { type Account, type Chain, encodeFunctionData, getAddress, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
import { erc1967ProxyAbi, erc1967ProxyBytecode, priceOracleAbi, priceOracleBytecode, storageOrderAbi, storageOrderBytecode } from './artifacts.js'
import { DEV_ORACLE_PRICES } from './constants.js'
import { EvmError } from './errors.js'

export interface OraclePrices {
  basePrice: bigint
  bytePrice: bigint
  servicePriceRate: bigint
  cruEthRate: bigint
  sizeLimit: bigint
}

export interface DeployParameters {
  /** Owner of both contracts (adds order nodes and price setters, upgrades). Default: the wallet's account. */
  owner?: `0x${string}`
  prices?: OraclePrices
  /** Order nodes to allow right away. */
  orderNodes?: readonly `0x${string}`[]
  /** Price setters to whitelist on the oracle right away (order nodes keeping it in line). */
  priceSetters?: readonly `0x${string}`[]
}

export interface DeployedContracts {
  /** The address dApps call (the proxy). */
  storageOrder: `0x${string}`
  priceOracle: `0x${string}`
  storageOrderImplementation: `0x${string}`
  priceOracleImplementation: `0x${string}`
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>

async function deploy(wallet: Wallet, client: PublicClient, abi: readonly unknown[], bytecode: Hex, args: readonly unknown[]): Promise<`0x${string}`> {
  const hash = await wallet.deployContract({ abi, bytecode, args, chain: wallet.chain } as Parameters<Wallet['deployContract']>[0])
  const receipt = await client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new EvmError('EVM_ERROR_DEPLOY', 'contract deployment failed', { hash })
  return getAddress(receipt.contractAddress)
}

export async function deployContracts(wallet: Wallet, client: PublicClient, params: DeployParameters = {}): Promise<DeployedContracts> {
  const owner = params.owner ?? wallet.account.address
  const p = params.prices ?? DEV_ORACLE_PRICES
  const priceOracleImplementation = await deploy(wallet, client, priceOracleAbi, priceOracleBytecode, [])
  const oracleInit = encodeFunctionData({
    abi: priceOracleAbi,
    functionName: 'initialize',
    args: [owner, p.basePrice, p.bytePrice, p.servicePriceRate, p.cruEthRate, p.sizeLimit],
  })
  const priceOracle = await deploy(wallet, client, erc1967ProxyAbi, erc1967ProxyBytecode, [priceOracleImplementation, oracleInit])
  const storageOrderImplementation = await deploy(wallet, client, storageOrderAbi, storageOrderBytecode, [])
  const orderInit = encodeFunctionData({ abi: storageOrderAbi, functionName: 'initialize', args: [owner, priceOracle] })
  const storageOrder = await deploy(wallet, client, erc1967ProxyAbi, erc1967ProxyBytecode, [storageOrderImplementation, orderInit])
  for (const node of params.orderNodes ?? []) {
    const hash = await wallet.writeContract({ address: storageOrder, abi: storageOrderAbi, functionName: 'addOrderNode', args: [node], chain: wallet.chain })
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new EvmError('EVM_ERROR_DEPLOY', 'addOrderNode failed', { node, hash })
  }
  for (const setter of params.priceSetters ?? []) {
    const hash = await wallet.writeContract({ address: priceOracle, abi: priceOracleAbi, functionName: 'addPriceSetter', args: [setter], chain: wallet.chain })
    const receipt = await client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new EvmError('EVM_ERROR_DEPLOY', 'addPriceSetter failed', { setter, hash })
  }
  return { storageOrder, priceOracle, storageOrderImplementation, priceOracleImplementation }
}
