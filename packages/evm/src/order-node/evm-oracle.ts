/** {@link PriceOracleClient} over JSON-RPC with viem: the oracle behind a storage-order contract, set by the merchant's key. */
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, http, type LocalAccount } from 'viem'
import { priceOracleAbi, storageOrderAbi } from '../artifacts.js'
import { EvmError } from '../errors.js'
import type { PriceOracleClient } from './seams.js'

/** The price oracle the storage-order contract `contract` uses (asked once), written as `account`. */
export async function viemPriceOracle(rpcUrl: string, contract: `0x${string}`, account: LocalAccount): Promise<PriceOracleClient & { address: `0x${string}` }> {
  const transport = http(rpcUrl, { retryCount: 0 })
  const pub = createPublicClient({ transport })
  const wallet = createWalletClient({ account, transport })
  const address = (await pub.readContract({ address: contract, abi: storageOrderAbi, functionName: 'priceOracle' })) as `0x${string}`
  const read = (functionName: 'basePrice' | 'bytePrice' | 'CRUETHRATE') => pub.readContract({ address, abi: priceOracleAbi, functionName }) as Promise<bigint>
  const send = async (functionName: 'setOrderPrice' | 'setCRUETHRATE', args: readonly bigint[]): Promise<string> => {
    try {
      // The gas estimate runs the call first: a refusal ("Not a price setter") comes back with the contract's message, and no gas is spent.
      const hash = await wallet.writeContract({ address, abi: priceOracleAbi, functionName, args, chain: null } as Parameters<typeof wallet.writeContract>[0])
      const receipt = await pub.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new EvmError('EVM_ERROR_ORACLE', `${functionName} transaction ${hash} reverted`, { hash })
      return hash
    } catch (err) {
      if (err instanceof EvmError) throw err
      const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
      const why =
        revert instanceof ContractFunctionRevertedError
          ? (revert.reason ?? revert.shortMessage)
          : err instanceof BaseError
            ? err.shortMessage
            : (err as Error).message
      throw new EvmError(
        'EVM_ERROR_ORACLE',
        `the price oracle ${address} refused ${functionName} from ${account.address}: ${why}`,
        { oracle: address },
        { cause: err },
      )
    }
  }
  return {
    address,
    async read() {
      const [basePrice, bytePrice, cruEthRate] = await Promise.all([read('basePrice'), read('bytePrice'), read('CRUETHRATE')])
      return { basePrice, bytePrice, cruEthRate }
    },
    setOrderPrice: (basePrice, bytePrice) => send('setOrderPrice', [basePrice, bytePrice]),
    setCruEthRate: (rate) => send('setCRUETHRATE', [rate]),
  }
}
