/**
 * `crust upload <path>`: add to IPFS, place a storage order for the DAG's cumulative size, follow
 * the replicas; `crust status <cid>` and `crust prepaid <cid> <amount>` for the order afterwards.
 */
import {
  addToIpfs,
  assertFileSize,
  assertFunds,
  contentSize,
  FOLDER_MEMO,
  formatBytes,
  formatCru,
  maxFileSize,
  orderFee,
  placeOrder,
  SdkError,
  statPath,
  waitForReplicas,
} from '@crust-ts/sdk'
import { CliError } from '../errors.js'
import { type AccountOptions, signerFrom } from './account.js'
import { withChain } from './chain-connection.js'
import { Progress } from './progress.js'

export interface UploadCommandOptions extends AccountOptions {
  api: string
  chain: string
  replicas: number
  timeout: number
  wait: boolean
  /** Compute the DAG's content root while adding and order with it (default true; `--no-root`). */
  root?: boolean
  tip: bigint
  gateway: string[]
}

/** Field lines `name   value`, aligned. */
export function fields(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}\n`).join('')
}

export function gatewayUrls(gateways: string[], cid: string, isDirectory: boolean): string[] {
  return gateways.map((g) => `${g.replace(/\/+$/, '')}/ipfs/${cid}${isDirectory ? '/' : ''}`)
}

/** Waits for `opts.replicas` reported replicas of `cid` (a progress bar or log lines), then prints them and the expiry. */
export async function followReplicas(
  api: Parameters<typeof waitForReplicas>[0],
  cid: string,
  opts: { replicas: number; timeout: number },
  write: (s: string) => void,
  progress: Progress,
): Promise<void> {
  let shown = -1
  let file: Awaited<ReturnType<typeof waitForReplicas>>
  try {
    file = await waitForReplicas(api, cid, {
      replicas: opts.replicas,
      timeoutMs: opts.timeout,
      onProgress: ({ reported, wanted, blockNumber }) => {
        if (progress.tty) progress.bar('replicas', reported, wanted, `${reported}/${wanted} reported (block #${blockNumber})`, true)
        else if (reported !== shown) progress.log(`replicas: ${reported}/${wanted} reported (block #${blockNumber})`)
        shown = reported
      },
    })
  } catch (err) {
    progress.clear()
    if (err instanceof SdkError && err.code === 'SDK_ERROR_REPLICA_TIMEOUT') {
      throw new CliError(err.code, `timed out waiting for replicas: ${err.message} (see crust status ${cid})`, err.meta, { cause: err })
    }
    throw err
  }
  progress.clear()
  write(
    fields([
      ['replicas', `${file.reportedReplicaCount} reported`],
      ['expires', `block #${file.expiredAt}`],
    ]),
  )
}

export async function uploadCommand(path: string, opts: UploadCommandOptions, write: (s: string) => void, progress = new Progress()): Promise<void> {
  statPath(path)
  const signer = await signerFrom(opts)
  await withChain(opts.chain, async (api) => {
    // Checks that need no upload: the content alone is above the limit, or the account cannot pay for it.
    const rawSize = await contentSize(path)
    const limit = maxFileSize(api)
    assertFileSize(Math.max(rawSize, 1), limit)
    await assertFunds(
      api,
      signer,
      (await orderFee(api, Math.max(rawSize, 1))).total + opts.tip,
      `an order of at least ${rawSize} bytes (before the transaction fee)`,
    )

    progress.log(`adding ${path} to IPFS at ${opts.api}`)
    const added = await addToIpfs(path, {
      ipfsApi: opts.api,
      contentRoot: opts.root !== false,
      onProgress: ({ bytes, total }) => progress.bytes('upload', bytes, total),
    })
    progress.log(`added ${added.name} as ${added.cid}: ${formatBytes(BigInt(added.cumulativeSize))} in IPFS`)

    let order: Awaited<ReturnType<typeof placeOrder>>
    try {
      order = await placeOrder(api, signer, {
        cid: added.cid,
        size: added.cumulativeSize,
        tip: opts.tip,
        memo: added.isDirectory ? FOLDER_MEMO : '',
        ...(added.contentRoot === undefined ? {} : { root: added.contentRoot }),
      })
    } catch (err) {
      if (!(err instanceof SdkError)) throw err
      throw new CliError(err.code, `${err.message} (the content was added to IPFS as ${added.cid}; no order was placed)`, err.meta, { cause: err })
    }
    progress.log(`order placed by ${signer.address} in block #${order.blockNumber}`)
    const urls = gatewayUrls(opts.gateway, added.cid, added.isDirectory)
    write(
      fields([
        ['cid', added.cid],
        ['name', added.name],
        ['size', formatBytes(order.size)],
        ...(added.contentRoot === undefined ? [] : [['root', added.contentRoot.root] as [string, string]]),
        ['fee', `${formatCru(order.fee)} CRU (order ${formatCru(order.orderAmount)} + transaction ${formatCru(order.txFee)})`],
        ['block', `#${order.blockNumber} ${order.blockHash}`],
        ...urls.map((u): [string, string] => ['gateway', u]),
      ]),
    )
    if (!opts.wait) {
      write(fields([['expires', 'the paid period starts when the first replica is reported (see crust status)']]))
      return
    }
    await followReplicas(api, added.cid, opts, write, progress)
  })
}
