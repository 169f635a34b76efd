/** {@link EvmSource} over JSON-RPC with viem: the storage-order contract's `Order` events. */
import { createPublicClient, decodeEventLog, getAbiItem, http, type Log, type PublicClient } from 'viem'
import { storageOrderAbi } from '../artifacts.js'
import type { OrderLog } from './record.js'
import type { EvmSource } from './seams.js'

const ORDER_EVENT = getAbiItem({ abi: storageOrderAbi, name: 'Order' })

function decode(log: Log): OrderLog | undefined {
  if (log.transactionHash === null || log.logIndex === null || log.blockNumber === null || log.blockHash === null) return undefined
  let args: { customer: string; merchant: string; cid: string; size: bigint; price: bigint; isPermanent: boolean }
  try {
    args = decodeEventLog({ abi: [ORDER_EVENT], data: log.data, topics: log.topics }).args as typeof args
  } catch {
    return undefined // another event of the contract
  }
  return {
    txHash: log.transactionHash,
    logIndex: log.logIndex,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    customer: args.customer,
    merchant: args.merchant,
    cid: args.cid,
    size: args.size,
    price: args.price,
    isPermanent: args.isPermanent,
  }
}

/** Reads `Order` events of `contract` at `rpcUrl`; the chain id is asked once. */
export async function viemSource(rpcUrl: string, contract: `0x${string}`): Promise<EvmSource> {
  const client: PublicClient = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  const chainId = await client.getChainId()
  // The event has no indexed fields (as Crust's): filter on the topic and decode the data.
  const filter = { address: contract, event: ORDER_EVENT, strict: false } as const
  const decodeAll = (logs: Log[]) => logs.map(decode).filter((l): l is OrderLog => l !== undefined)
  return {
    chainId,
    head: async () => Number(await client.getBlockNumber({ cacheTime: 0 })),
    orders: async (from, to) => decodeAll(await client.getLogs({ ...filter, fromBlock: BigInt(from), toBlock: BigInt(to) })),
    async ordersInBlock(blockNumber, blockHash) {
      const block = await client.getBlock({ blockNumber: BigInt(blockNumber) }).catch(() => undefined)
      if (block === undefined || block.hash !== blockHash) return undefined
      return decodeAll(await client.getLogs({ ...filter, blockHash: blockHash as `0x${string}` }))
    },
  }
}
