/**
 * The EVM order node on `crust dev` (1 s Crust blocks; the EVM dev node mining each transaction;
 * the dev order node: 1 confirmation, 500 ms polls): a burst of orders paid through the
 * storage-order contract, and how the order node turns them into Crust orders:
 * - events handled per second (the burst's first EVM inclusion to its last Crust inclusion);
 * - event -> Crust inclusion time per order (median, p95): from the `Order` event's transaction
 *   being mined to the order node seeing its Crust order in a block.
 * Anchor, in the same run on the same chain: the Crust chain's own order inclusion time, the same
 * number of `market.placeStorageOrder` pre-signed by one account and submitted at once (submit ->
 * in a block, median and p95), and the rate they are included at.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { storageOrderAbi } from '@crust-ts/evm'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { createPublicClient, encodeFunctionData, http } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'

const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/src/bin.js', import.meta.url))
const ORDER_SIZE = 1000n

interface DevInfo {
  chainRpc: string
  evm: { rpcUrl: string; devMnemonic: string; orderNodeAddress: `0x${string}`; contracts: { storageOrder: `0x${string}` }; orderNode: { api: string } }
}

interface EventRecord {
  txHash: string
  state: string
  history: Array<{ at: number; state: string }>
}

export interface EvmOrdersRound {
  orders: number
  /** Events handled per second: orders / (last Crust inclusion - first EVM inclusion). */
  eventsPerSecond: number
  eventToInclusionMs: { median: number; p95: number }
  anchorInclusionMs: { median: number; p95: number }
  /** Direct orders included per second (first submit to last inclusion). */
  anchorOrdersPerSecond: number
}

export interface EvmOrdersBench {
  rounds: EvmOrdersRound[]
  /** The round with the median events/s. */
  median: EvmOrdersRound
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
const summary = (values: number[]) => ({ median: quantile(values, 0.5), p95: quantile(values, 0.95) })

async function startDev(base: string): Promise<ChildProcess> {
  const args = ['dev', '--base-path', base, '--rpc-port', '0', '--storage-nodes', '0', '--no-gateway', '--no-console']
  args.push('--evm-port', '0', '--order-node-port', '0')
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"dev network ready"')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`crust dev exited (${code})`)))
  })
  return child
}

let cidCounter = 0
async function freshCid(): Promise<string> {
  const bytes = new TextEncoder().encode(`evm-orders bench ${process.pid} ${Date.now()} ${cidCounter++}`)
  return CID.createV1(0x55, await sha256.digest(bytes)).toString()
}

/** Pre-signed `placeStorageOrder`s from //Alice submitted at once: submit -> in-block times and the rate. */
async function anchorRound(api: ApiPromise, orders: number): Promise<{ inclusion: number[]; perSecond: number }> {
  const alice = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Alice')
  const first = ((await api.rpc.system.accountNextIndex(alice.address)) as unknown as { toNumber(): number }).toNumber()
  const signed = []
  for (let i = 0; i < orders; i++) {
    signed.push(await api.tx.market!.placeStorageOrder!(await freshCid(), ORDER_SIZE, 0, '').signAsync(alice, { nonce: first + i }))
  }
  const start = performance.now()
  const times = await Promise.all(
    signed.map(
      (tx) =>
        new Promise<{ sent: number; included: number }>((resolve, reject) => {
          const sent = performance.now()
          tx.send((r) => {
            if (r.status.isInBlock) resolve({ sent, included: performance.now() })
          }).catch(reject)
        }),
    ),
  )
  const last = Math.max(...times.map((t) => t.included))
  return { inclusion: times.map((t) => t.included - t.sent), perSecond: orders / ((last - start) / 1000) }
}

async function evmRound(info: DevInfo, orders: number): Promise<{ eventToInclusion: number[]; perSecond: number }> {
  const transport = http(info.evm.rpcUrl)
  const client = createPublicClient({ transport })
  const customer = mnemonicToAccount(info.evm.devMnemonic, { addressIndex: 4 })
  const contract = info.evm.contracts.storageOrder
  const price = (await client.readContract({ address: contract, abi: storageOrderAbi, functionName: 'getPrice', args: [ORDER_SIZE, false] })) as bigint
  const cids = await Promise.all(Array.from({ length: orders }, () => freshCid()))
  const data = cids.map((cid) =>
    encodeFunctionData({ abi: storageOrderAbi, functionName: 'placeOrderWithNode', args: [cid, ORDER_SIZE, info.evm.orderNodeAddress, false] }),
  )
  // Twice the price: the oracle may be re-priced during the burst; the contract refunds the rest.
  const value = price * 2n
  const gas = (await client.estimateGas({ account: customer, to: contract, data: data[0]!, value })) * 2n
  const [chainId, fees, first] = await Promise.all([
    client.getChainId(),
    client.estimateFeesPerGas(),
    client.getTransactionCount({ address: customer.address, blockTag: 'pending' }),
  ])
  // Signed beforehand, so the burst is as fast as the EVM node takes transactions.
  const raw = await Promise.all(
    data.map((d, i) =>
      customer.signTransaction({
        type: 'eip1559',
        chainId,
        nonce: first + i,
        to: contract,
        data: d,
        value,
        gas,
        maxFeePerGas: fees.maxFeePerGas * 2n,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      }),
    ),
  )
  // The EVM dev node mines each transaction as it arrives: the send's return is the event's inclusion.
  const minedAt = new Map<string, number>()
  for (const tx of raw) {
    const hash = await client.sendRawTransaction({ serializedTransaction: tx })
    minedAt.set(hash.toLowerCase(), Date.now())
  }
  const orderedAt = new Map<string, number>()
  while (orderedAt.size < orders) {
    const { events } = (await (await fetch(`${info.evm.orderNode.api}/events`)).json()) as { events: EventRecord[] }
    for (const e of events) {
      if (!minedAt.has(e.txHash) || orderedAt.has(e.txHash)) continue
      if (e.state === 'failed' || e.state === 'reorged') throw new Error(`event ${e.txHash} ${e.state}`)
      const ordered = e.history.find((h) => h.state === 'ordered')
      if (ordered !== undefined) orderedAt.set(e.txHash, ordered.at)
    }
    if (orderedAt.size < orders) await new Promise((r) => setTimeout(r, 200))
  }
  const eventToInclusion = [...orderedAt].map(([hash, at]) => at - minedAt.get(hash)!)
  const span = Math.max(...orderedAt.values()) - Math.min(...minedAt.values())
  return { eventToInclusion, perSecond: orders / (span / 1000) }
}

export async function runEvmOrdersBench(opts: { orders?: number; rounds?: number } = {}): Promise<EvmOrdersBench> {
  const orders = opts.orders ?? 200
  await cryptoWaitReady()
  const base = mkdtempSync(join(tmpdir(), 'crust-ts-bench-evm-'))
  const dev = await startDev(join(base, 'dev'))
  try {
    const info = JSON.parse(readFileSync(join(base, 'dev', 'network.json'), 'utf8')) as DevInfo
    const api = await ApiPromise.create({ provider: new WsProvider(info.chainRpc) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const rounds: EvmOrdersRound[] = []
    try {
      for (let i = 0; i < (opts.rounds ?? 3); i++) {
        const anchor = await anchorRound(api, orders)
        const evm = await evmRound(info, orders)
        rounds.push({
          orders,
          eventsPerSecond: evm.perSecond,
          eventToInclusionMs: summary(evm.eventToInclusion),
          anchorInclusionMs: summary(anchor.inclusion),
          anchorOrdersPerSecond: anchor.perSecond,
        })
      }
    } finally {
      await api.disconnect()
    }
    const median = [...rounds].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor(rounds.length / 2)]!
    return { rounds, median }
  } finally {
    dev.kill('SIGINT')
    await new Promise((r) => dev.once('exit', r))
    rmSync(base, { recursive: true, force: true })
  }
}

export function formatEvmOrdersBench(r: EvmOrdersBench): string {
  const m = r.median
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
  return [
    `evm order node on crust dev (1 s blocks): ${m.orders} Order events in a burst, median of ${r.rounds.length} rounds: ${m.eventsPerSecond.toFixed(1)} events/s handled`,
    `  event -> Crust inclusion: median ${s(m.eventToInclusionMs.median)}, p95 ${s(m.eventToInclusionMs.p95)}`,
    `  anchor: the chain's own inclusion of ${m.orders} pre-signed placeStorageOrder submitted at once: median ${s(m.anchorInclusionMs.median)}, p95 ${s(m.anchorInclusionMs.p95)}, ${m.anchorOrdersPerSecond.toFixed(1)} orders/s`,
    `  ratio event->inclusion : chain inclusion (medians) = ${(m.eventToInclusionMs.median / m.anchorInclusionMs.median).toFixed(2)}; events/s : chain orders/s = ${(m.eventsPerSecond / m.anchorOrdersPerSecond).toFixed(2)}`,
    `  rounds (events/s): ${r.rounds.map((x) => x.eventsPerSecond.toFixed(1)).join(', ')}`,
  ].join('\n')
}
