/**
 * `crust upload <path> --evm <rpc>`: add to IPFS and pay for the storage through the storage-order
 * contract on an EVM chain instead of a Crust account; its order node places the Crust order after
 * its confirmations, and the replicas are followed on Crust as for any upload.
 */
import { EvmError, placeEvmOrder } from '@crust-ts/evm'
import { addToIpfs, formatBytes, statPath } from '@crust-ts/sdk'
import { formatEther } from 'viem'
import { CliError } from '../errors.js'
import { withChain } from './chain-connection.js'
import { evmAccountFromFile } from './evm-key.js'
import { Progress } from './progress.js'
import { fields, followReplicas, gatewayUrls } from './upload.js'

export interface EvmUploadOptions {
  api: string
  chain: string
  replicas: number
  timeout: number
  wait: boolean
  gateway: string[]
  /** The EVM chain's JSON-RPC URL. */
  evm: string
  evmKeyFile?: string
  evmContract?: string
  evmNode?: string
  permanent: boolean
}

export async function uploadViaEvmCommand(path: string, opts: EvmUploadOptions, write: (s: string) => void, progress = new Progress()): Promise<void> {
  statPath(path)
  if (opts.evmKeyFile === undefined)
    throw new CliError('CLI_ERROR_EVM_KEY', "--evm needs --evm-key-file <file>: the file holding the paying EVM account's private key")
  if (opts.evmContract === undefined) {
    throw new CliError('CLI_ERROR_EVM_ADDRESS', '--evm needs --evm-contract <address>: the storage-order contract (crust dev prints it as "storage order")')
  }
  const account = evmAccountFromFile(opts.evmKeyFile)
  progress.log(`adding ${path} to IPFS at ${opts.api}`)
  // An EVM order carries no content root: the file's first storage nodes fix it.
  const added = await addToIpfs(path, { ipfsApi: opts.api, contentRoot: false, onProgress: ({ bytes, total }) => progress.bytes('upload', bytes, total) })
  progress.log(`added ${added.name} as ${added.cid}: ${formatBytes(BigInt(added.cumulativeSize))} in IPFS`)
  const order = await placeEvmOrder({
    rpcUrl: opts.evm,
    account,
    contract: opts.evmContract,
    cid: added.cid,
    size: BigInt(added.cumulativeSize),
    permanent: opts.permanent,
    ...(opts.evmNode === undefined ? {} : { node: opts.evmNode }),
  }).catch((err: unknown) => {
    if (!(err instanceof EvmError)) throw err
    throw new CliError(err.code, `${err.message} (the content was added to IPFS as ${added.cid}; no order was placed)`, err.meta, { cause: err })
  })
  progress.log(`order paid by ${account.address} on EVM chain ${order.chainId} in block #${order.blockNumber}`)
  write(
    fields([
      ['cid', added.cid],
      ['name', added.name],
      ['size', formatBytes(BigInt(added.cumulativeSize))],
      ['paid', `${formatEther(order.price)} (${order.price} wei) to order node ${order.merchant}${opts.permanent ? ', permanent' : ''}`],
      ['evm tx', `${order.txHash} (chain ${order.chainId}, block #${order.blockNumber})`],
      ...gatewayUrls(opts.gateway, added.cid, added.isDirectory).map((u): [string, string] => ['gateway', u]),
    ]),
  )
  if (!opts.wait) {
    write(fields([['crust order', 'placed by the order node once the payment has its confirmations (see crust status)']]))
    return
  }
  await withChain(opts.chain, (api) => followReplicas(api, added.cid, opts, write, progress))
}
