/**
 * A dApp's side of the storage-order contract: read the price of a storage order and pay it, the
 * way a wallet would (the order node then places the order on Crust). `crust upload --evm` uses it.
 */
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, decodeEventLog, http, isAddress, type LocalAccount } from 'viem'
import { storageOrderAbi } from './artifacts.js'
import { EvmError } from './errors.js'

export interface EvmOrderInit {
  /** The EVM chain's JSON-RPC URL. */
  rpcUrl: string
  /** The paying account (a local key: the customer). */
  account: LocalAccount
  /** The storage-order contract (its proxy). */
  contract: string
  cid: string
  /** Bytes to order (the DAG's cumulative size, as Crust orders are sized). */
  size: bigint
  /** Permanent storage (the contract charges its permanent price; the order node keeps it renewed). */
  permanent: boolean
  /** A given order node (merchant); the contract picks one of its order nodes when absent. */
  node?: string
}

export interface EvmOrderResult {
  chainId: number
  txHash: `0x${string}`
  blockNumber: bigint
  /** What the contract charged (the excess of what was sent is refunded). */
  price: bigint
  /** The order node the contract addressed the order to. */
  merchant: `0x${string}`
}

function address(value: string, what: string): `0x${string}` {
  if (!isAddress(value)) throw new EvmError('EVM_ERROR_BAD_ADDRESS', `${what}: ${value} is not an EVM address`)
  return value
}

/** The contract's own refusal message, when the failure is a revert. */
function revertReason(err: unknown): string | undefined {
  if (!(err instanceof BaseError)) return undefined
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError)
  if (revert instanceof ContractFunctionRevertedError) return revert.reason ?? revert.shortMessage
  return undefined
}

/**
 * Reads `getPrice(size, permanent)`, sends `placeOrder` (or `placeOrderWithNode`) paying exactly that
 * price, waits for the receipt and returns the `Order` event's figures. Throws {@link EvmError}:
 * `EVM_ERROR_NO_RPC` when nothing answers, `EVM_ERROR_ORDER_REFUSED` with the contract's message when
 * it reverts (an unknown node, a size over the limit, a price that rose meanwhile).
 */
export async function placeEvmOrder(init: EvmOrderInit): Promise<EvmOrderResult> {
  const contract = address(init.contract, 'the storage-order contract')
  const node = init.node === undefined ? undefined : address(init.node, 'the order node')
  const transport = http(init.rpcUrl)
  const pub = createPublicClient({ transport })
  let chainId: number
  try {
    chainId = await pub.getChainId()
  } catch (err) {
    throw new EvmError('EVM_ERROR_NO_RPC', `no EVM JSON-RPC answers at ${init.rpcUrl}`, {}, { cause: err })
  }
  try {
    const price = (await pub.readContract({ address: contract, abi: storageOrderAbi, functionName: 'getPrice', args: [init.size, init.permanent] })) as bigint
    const wallet = createWalletClient({ account: init.account, transport })
    const txHash = await wallet.writeContract(
      node === undefined
        ? { address: contract, abi: storageOrderAbi, functionName: 'placeOrder', args: [init.cid, init.size, init.permanent], value: price, chain: null }
        : {
            address: contract,
            abi: storageOrderAbi,
            functionName: 'placeOrderWithNode',
            args: [init.cid, init.size, node, init.permanent],
            value: price,
            chain: null,
          },
    )
    const receipt = await pub.waitForTransactionReceipt({ hash: txHash })
    if (receipt.status !== 'success') throw new EvmError('EVM_ERROR_ORDER_REFUSED', `the order transaction ${txHash} reverted`, { txHash })
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== contract.toLowerCase()) continue
      try {
        const event = decodeEventLog({ abi: storageOrderAbi, data: log.data, topics: log.topics })
        if (event.eventName !== 'Order') continue
        const args = event.args as unknown as { merchant: `0x${string}`; price: bigint }
        return { chainId, txHash, blockNumber: receipt.blockNumber, price: args.price, merchant: args.merchant }
      } catch {
        // another event of the contract
      }
    }
    throw new EvmError('EVM_ERROR_ORDER_REFUSED', `the order transaction ${txHash} emitted no Order event`, { txHash })
  } catch (err) {
    if (err instanceof EvmError) throw err
    const reason = revertReason(err)
    if (reason !== undefined) throw new EvmError('EVM_ERROR_ORDER_REFUSED', `the storage-order contract refused the order: ${reason}`, {}, { cause: err })
    throw new EvmError(
      'EVM_ERROR_ORDER_FAILED',
      `the EVM order failed: ${err instanceof BaseError ? err.shortMessage : (err as Error).message}`,
      {},
      { cause: err },
    )
  }
}
