/**
 * `crust order-node`: the EVM order node (a merchant of the storage-order contract). It orders each
 * confirmed `Order` event addressed to its EVM address on Crust from its Crust account, pins the
 * CID, keeps the price oracle in line with Crust's storage price and a configured CRU/ETH rate, and
 * serves every event's state; `crust order-node events` prints them. Secrets come from
 * files only: the EVM key from --evm-key-file, the Crust account from --account-file or a keystore.
 */
import { createLogger, redactUrl } from '@crust-ts/base'
import { crustFees, crustSink, type EventRecord, PriceKeeper, type PriceStatus, startOrderNode, viemPriceOracle, viemSource } from '@crust-ts/evm'
import { connectChain, createKuboClient } from '@crust-ts/sdk'
import { isAddress } from 'viem'
import { CliError } from '../errors.js'
import { signerFrom } from './account.js'
import { evmAccountFromFile } from './evm-key.js'

export interface OrderNodeOptions {
  evmRpc: string
  contract: string
  evmKeyFile: string
  chain: string
  accountFile?: string
  keystore?: string
  passwordFile?: string
  ipfsApi?: string
  confirmations: number
  poll: number
  fromBlock?: number
  data: string
  port: number
  host: string
  /** CRU per ETH, 5 decimals (the oracle's unit). */
  cruEthRate?: bigint
  /** Between checks of the price oracle; 0: never. */
  priceInterval: number
  /** Percent. */
  priceDrift: number
}

/** What the order node reports when ready (IPC, for `crust dev`). */
export interface OrderNodeEndpoints {
  api: string
  merchant: string
  crustAccount: string
}

/** Test hook: `before-send` holds every order once its nonce is recorded (a test kills the process there). */
const TEST_HOLD = 'CRUST_ORDER_NODE_TEST_HOLD'

export async function runOrderNode(opts: OrderNodeOptions): Promise<void> {
  const logger = createLogger({ level: process.env.CRUST_LOG ?? 'info', pretty: process.stdout.isTTY === true })
  const log = logger.forComponent('order-node')
  if (!isAddress(opts.contract)) throw new CliError('CLI_ERROR_EVM_ADDRESS', `--contract: ${opts.contract} is not an EVM address`)
  if (opts.confirmations < 1) throw new CliError('CLI_ERROR_CONFIRMATIONS', '--confirmations: at least 1 (the block of the event itself)')
  const evmAccount = evmAccountFromFile(opts.evmKeyFile)
  const merchant = evmAccount.address
  const signer = await signerFrom({ ...opts, chain: opts.chain })
  const source = await viemSource(opts.evmRpc, opts.contract).catch((err: unknown) => {
    throw new CliError('CLI_ERROR_EVM_RPC', `no EVM JSON-RPC answers at ${redactUrl(opts.evmRpc)}: ${(err as Error).message}`)
  })
  const api = await connectChain(opts.chain)
  const keeper =
    opts.priceInterval === 0
      ? undefined
      : new PriceKeeper({
          crustFees: () => crustFees(api),
          oracle: await viemPriceOracle(opts.evmRpc, opts.contract, evmAccount).catch(async (err: unknown) => {
            await api.disconnect().catch(() => {})
            throw new CliError('CLI_ERROR_ORDER_NODE', `cannot find the price oracle of ${opts.contract}: ${(err as Error).message}`)
          }),
          ...(opts.cruEthRate === undefined ? {} : { cruEthRate: opts.cruEthRate }),
          driftBps: Math.round(opts.priceDrift * 100),
        })
  const hold = process.env[TEST_HOLD] === 'before-send'
  const node = await startOrderNode({
    source,
    sink: crustSink({ api, signer, ...(opts.ipfsApi === undefined ? {} : { ipfs: createKuboClient({ url: opts.ipfsApi }) }) }),
    dataDir: opts.data,
    merchant,
    confirmations: opts.confirmations,
    pollMs: opts.poll,
    ...(opts.fromBlock === undefined ? {} : { fromBlock: opts.fromBlock }),
    port: opts.port,
    host: opts.host,
    onChange: (r) => log.info(summary(r), `event ${r.state}`),
    onError: (err) => log.warn({ err: (err as Error).message }, 'round failed; trying again'),
    ...(hold ? { beforeSend: () => new Promise<void>(() => {}) } : {}),
    ...(keeper === undefined
      ? {}
      : {
          prices: {
            keeper,
            intervalMs: opts.priceInterval,
            onStatus: (s: PriceStatus) => s.set.length > 0 && log.info({ target: s.target, was: s.oracle, set: s.set }, 'price oracle set'),
            onError: (err: unknown) => log.warn({ err: (err as Error).message }, 'price oracle check failed; trying again'),
          },
        }),
  }).catch(async (err: unknown) => {
    await api.disconnect().catch(() => {})
    throw new CliError('CLI_ERROR_ORDER_NODE', `the order node did not start: ${(err as Error).message}`)
  })
  const endpoints: OrderNodeEndpoints = { api: node.url, merchant, crustAccount: signer.address }
  log.info(
    { ...endpoints, chainId: source.chainId, contract: opts.contract, confirmations: opts.confirmations, keepsPrices: keeper !== undefined },
    'order node ready',
  )
  process.send?.({ type: 'ready', endpoints })
  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down')
      node
        .close()
        .then(() => api.disconnect())
        .then(done, done)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
}

function summary(r: EventRecord): Record<string, unknown> {
  return { chainId: r.chainId, tx: r.txHash, log: r.logIndex, cid: r.cid, nonce: r.nonce, reason: r.reason, pinned: r.pinned }
}

/** `crust order-node events [chainId/tx/log]`: the events' states from a running order node. */
export async function orderEventsCommand(key: string | undefined, opts: { api: string }, write: (s: string) => void): Promise<void> {
  const base = opts.api.replace(/\/+$/, '')
  const url = key === undefined ? `${base}/events` : `${base}/events/${key.replace(/^\/+/, '')}`
  let res: Response
  try {
    res = await fetch(url)
  } catch (err) {
    throw new CliError('CLI_ERROR_ORDER_NODE_API', `no order node answers at ${redactUrl(base)}: ${(err as Error).message}`)
  }
  const body = (await res.json().catch(() => ({}))) as { events?: EventRecord[]; error?: { code: string; message: string } } & Partial<EventRecord>
  if (!res.ok) throw new CliError('CLI_ERROR_ORDER_NODE_API', body.error?.message ?? `the order node answered ${res.status}`)
  if (key !== undefined) {
    write(`${JSON.stringify(body, null, 2)}\n`)
    return
  }
  for (const r of body.events ?? []) {
    write(`${r.chainId}/${r.txHash}/${r.logIndex}  ${r.state}  ${r.cid}${r.reason === undefined ? '' : `  (${r.reason})`}\n`)
  }
}
