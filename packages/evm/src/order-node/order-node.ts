/**
 * The order node: polls the storage-order contracts of one or more EVM chains, orders their events on
 * Crust through one {@link OrderProcessor} per chain (one store, one sink: the processors share the
 * account's nonces through the sink's {@link NonceAllocator}), keeps price oracles in line
 * ({@link PriceKeeper}, one per chain that has one), and serves every event's state over HTTP.
 */
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { listen } from '@crust-ts/base'
import { createApiServer } from './api.js'
import { NonceAllocator } from './nonces.js'
import { OrderProcessor, type ProcessorInit } from './processor.js'
import type { PriceKeeper, PriceStatus } from './price-keeper.js'
import type { EventRecord } from './record.js'
import type { CrustSink, EvmSource } from './seams.js'
import { EventStore } from './store.js'
import { EvmError } from '../errors.js'

/** A price keeper and how often it runs. */
export interface PriceLoop {
  keeper: PriceKeeper
  intervalMs: number
  onStatus?: (status: PriceStatus) => void
  onError?: (err: unknown) => void
}

export interface OrderNodeInit {
  /** One EVM chain's contract, or several (distinct chain ids): one processor each, polled side by side. */
  source: EvmSource | readonly EvmSource[]
  sink: CrustSink
  /** Folder of the LMDB store. */
  dataDir: string
  merchant: string
  confirmations: number
  /** Pause between rounds. */
  pollMs: number
  fromBlock?: number
  port: number
  host: string
  backoffMs?: number
  onChange?: (record: EventRecord) => void
  onError?: (err: unknown) => void
  beforeSend?: ProcessorInit['beforeSend']
  /**
   * Keeps price oracles in line: a round on start, then every `intervalMs`; one per chain that has
   * one (`GET /prices` reports the first).
   */
  prices?: PriceLoop | readonly PriceLoop[]
}

export interface OrderNode {
  /** `http://host:port` of the API. */
  readonly url: string
  close(): Promise<void>
}

export async function startOrderNode(init: OrderNodeInit): Promise<OrderNode> {
  const sources = Array.isArray(init.source) ? (init.source as readonly EvmSource[]) : [init.source as EvmSource]
  if (sources.length === 0) throw new EvmError('EVM_ERROR_ORDER_NODE', 'the order node needs at least one EVM chain')
  const ids = sources.map((s) => s.chainId)
  const twice = ids.find((id, i) => ids.indexOf(id) !== i)
  // The store keys records and cursors by chain id: two contracts of one chain would share a cursor.
  if (twice !== undefined) throw new EvmError('EVM_ERROR_ORDER_NODE', `chain ${twice} is given twice: one contract per chain`, { chainId: twice })
  const priceLoops = init.prices === undefined ? [] : Array.isArray(init.prices) ? (init.prices as readonly PriceLoop[]) : [init.prices as PriceLoop]
  const store = EventStore.open(init.dataDir)
  const nonces = NonceAllocator.of(init.sink)
  const processors = sources.map(
    (source) =>
      new OrderProcessor({
        store,
        source,
        sink: init.sink,
        nonces,
        merchant: init.merchant,
        confirmations: init.confirmations,
        ...(init.fromBlock === undefined ? {} : { fromBlock: init.fromBlock }),
        ...(init.backoffMs === undefined ? {} : { backoffMs: init.backoffMs }),
        ...(init.onChange === undefined ? {} : { onChange: init.onChange }),
        ...(init.beforeSend === undefined ? {} : { beforeSend: init.beforeSend }),
      }),
  )
  let server: Server
  let url: string
  try {
    const keeper = priceLoops[0]?.keeper
    server = createApiServer(store, keeper === undefined ? undefined : () => keeper.status())
    const addr = await listen(server, init.port, init.host)
    url = `http://${addr.address}:${addr.port}`
  } catch (err) {
    await store.close()
    throw err
  }
  const stop = new AbortController()
  // Each chain on its own loop: a slow or unreachable RPC does not hold the others' orders.
  const loops = processors.map(async (processor) => {
    while (!stop.signal.aborted) {
      // A round's errors (an RPC down) are reported and the next round tries again.
      await processor.tick().catch((err: unknown) => init.onError?.(err))
      await sleep(init.pollMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  })
  const priceTasks = priceLoops.map(async (prices) => {
    while (!stop.signal.aborted) {
      await prices.keeper.sync().then(
        (status) => prices.onStatus?.(status),
        (err: unknown) => prices.onError?.(err),
      )
      await sleep(prices.intervalMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  })
  return {
    url,
    async close() {
      stop.abort()
      await Promise.all([...loops, ...priceTasks])
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await store.close()
    },
  }
}
