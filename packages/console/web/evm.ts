/**
 * EVM accounts, loaded on demand: pay for a storage order in an EVM chain's token through Crust's
 * storage-order contract (`getPrice`, `placeOrder`; the order node then places the Crust order),
 * and sign W3Auth's ethereum form for the gateway. The account is an injected EIP-1193 wallet
 * (MetaMask and the like, `window.ethereum`) or, in dev mode, the dev node's unlocked accounts:
 * both are EIP-1193 providers, so one code path signs and sends for either.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  type EIP1193Provider,
  formatEther,
  parseAbi,
  stringToHex,
} from 'viem'
import type { ConsoleConfig } from '../src/config.js'

/** The part of the storage-order contract the console calls (Crust's StorageOrder interface). */
const STORAGE_ORDER_ABI = parseAbi([
  'function getPrice(uint256 size, bool isPermanent) view returns (uint256)',
  'function placeOrder(string cid, uint256 size, bool isPermanent) payable',
  'event Order(address customer, address merchant, string cid, uint256 size, uint256 price, bool isPermanent)',
])

export type EvmConfig = NonNullable<ConsoleConfig['evm']>

declare global {
  interface Window {
    ethereum?: EIP1193Provider
  }
}

/** An EVM wallet: its accounts, and the provider that signs and sends for them. */
export interface EvmWallet {
  kind: 'injected' | 'dev'
  accounts: `0x${string}`[]
  provider: EIP1193Provider
}

/** The dev node's JSON-RPC as an EIP-1193 provider: its accounts are unlocked, so it signs and sends for them. */
function httpProvider(url: string): EIP1193Provider {
  let id = 0
  const request = async ({ method, params }: { method: string; params?: unknown }) => {
    let res: Response
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: params ?? [] }),
      })
    } catch {
      throw new Error(`cannot reach the EVM node at ${url}: is it running?`)
    }
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
    if (body.error !== undefined) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data })
    return body.result
  }
  return { request, on: () => {}, removeListener: () => {} } as unknown as EIP1193Provider
}

/**
 * The injected wallet when there is one (it asks the user, and must be on the configured chain),
 * else in dev mode the dev node's accounts; rejects with what to do.
 */
export async function connectEvmWallet(config: ConsoleConfig): Promise<EvmWallet> {
  const evm = config.evm
  if (evm === undefined) throw new Error('this console has no EVM chain configured (crust dev runs one unless --no-evm)')
  const injected = window.ethereum
  if (injected !== undefined) {
    const accounts = (await injected.request({ method: 'eth_requestAccounts' })) as `0x${string}`[]
    const chainId = Number(await injected.request({ method: 'eth_chainId' }))
    if (chainId !== evm.chainId) throw new Error(`the wallet is on EVM chain ${chainId}; switch it to chain ${evm.chainId} (${evm.rpc}) and try again`)
    if (accounts.length === 0) throw new Error('the EVM wallet shared no account with this page: allow one in the wallet')
    return { kind: 'injected', accounts, provider: injected }
  }
  if (!config.devAccounts) throw new Error('No EVM wallet found. Install MetaMask (or another EVM wallet), add the network, allow this page, then reload.')
  const provider = httpProvider(evm.rpc)
  // Dev account 0 owns the contracts and 1 is the order node: offer the customers after them.
  const accounts = ((await provider.request({ method: 'eth_accounts' })) as `0x${string}`[]).slice(2)
  return { kind: 'dev', accounts, provider }
}

/** W3Auth's ethereum form: `eth-<address>:<personal_sign of the address>`, base64 (the `Basic` token). */
export async function evmW3authToken(wallet: EvmWallet, address: `0x${string}`): Promise<string> {
  const signature = (await wallet.provider.request({ method: 'personal_sign', params: [stringToHex(address), address] })) as string
  return btoa(`eth-${address}:${signature}`)
}

const readable = (err: unknown): Error => {
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError)
    if (revert instanceof ContractFunctionRevertedError) return new Error(`the storage-order contract refused: ${revert.reason ?? revert.shortMessage}`)
    if (/insufficient funds/i.test(err.message)) return new Error('balance too low: this EVM account cannot pay the price and gas; fund it and try again')
    return new Error(err.shortMessage)
  }
  return err as Error
}

/** The contract's price for a normal (not permanent) order of `size` bytes, in wei and as text. */
export async function evmQuote(wallet: EvmWallet, evm: EvmConfig, size: bigint): Promise<{ wei: bigint; text: string }> {
  const pub = createPublicClient({ transport: custom(wallet.provider) })
  try {
    const wei = await pub.readContract({ address: evm.storageOrder, abi: STORAGE_ORDER_ABI, functionName: 'getPrice', args: [size, false] })
    return { wei, text: `${formatEther(wei)} ETH` }
  } catch (err) {
    throw readable(err)
  }
}

/** Pays `placeOrder(cid, size, false)` with the quoted price; resolves with the EVM block once it is mined. */
export async function evmPlaceOrder(
  wallet: EvmWallet,
  evm: EvmConfig,
  from: `0x${string}`,
  order: { cid: string; size: bigint; price: bigint },
): Promise<{ txHash: string; blockNumber: bigint }> {
  const transport = custom(wallet.provider)
  try {
    const client = createWalletClient({ account: from, transport })
    const txHash = await client.writeContract({
      address: evm.storageOrder,
      abi: STORAGE_ORDER_ABI,
      functionName: 'placeOrder',
      args: [order.cid, order.size, false],
      value: order.price,
      chain: null,
    })
    const receipt = await createPublicClient({ transport }).waitForTransactionReceipt({ hash: txHash, pollingInterval: 250 })
    if (receipt.status !== 'success') throw new Error(`the order transaction ${txHash} reverted`)
    return { txHash, blockNumber: receipt.blockNumber }
  } catch (err) {
    throw readable(err)
  }
}
