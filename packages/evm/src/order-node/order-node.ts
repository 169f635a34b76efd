/**
 * The order node: polls one EVM chain's storage-order contract, orders its events on Crust through
 * {@link OrderProcessor}, keeps the price oracle in line ({@link PriceKeeper}), and serves every
 * event's state over HTTP.
 */
import type { Server } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { listen } from '@crust-ts/base'
import { createApiServer } from './api.js'
import { OrderProcessor, type ProcessorInit } from './processor.js'
import type { PriceKeeper, PriceStatus } from './price-keeper.js'
import type { EventRecord } from './record.js'
import type { CrustSink, EvmSource } from './seams.js'
import { EventStore } from './store.js'

export interface OrderNodeInit {
  source: EvmSource
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
  /** Keeps the price oracle in line: a round on start, then every `intervalMs`. */
  prices?: { keeper: PriceKeeper; intervalMs: number; onStatus?: (status: PriceStatus) => void; onError?: (err: unknown) => void }
}

export interface OrderNode {
  /** `http://host:port` of the API. */
  readonly url: string
  close(): Promise<void>
}

export async function startOrderNode(init: OrderNodeInit): Promise<OrderNode> {
  const store = EventStore.open(init.dataDir)
  const processor = new OrderProcessor({
    store,
    source: init.source,
    sink: init.sink,
    merchant: init.merchant,
    confirmations: init.confirmations,
    ...(init.fromBlock === undefined ? {} : { fromBlock: init.fromBlock }),
    ...(init.backoffMs === undefined ? {} : { backoffMs: init.backoffMs }),
    ...(init.onChange === undefined ? {} : { onChange: init.onChange }),
    ...(init.beforeSend === undefined ? {} : { beforeSend: init.beforeSend }),
  })
  let server: Server
  let url: string
  try {
    const keeper = init.prices?.keeper
    server = createApiServer(store, keeper === undefined ? undefined : () => keeper.status())
    const addr = await listen(server, init.port, init.host)
    url = `http://${addr.address}:${addr.port}`
  } catch (err) {
    await store.close()
    throw err
  }
  const stop = new AbortController()
  const loop = (async () => {
    while (!stop.signal.aborted) {
      // A round's errors (an RPC down) are reported and the next round tries again.
      await processor.tick().catch((err: unknown) => init.onError?.(err))
      await sleep(init.pollMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  })()
  const prices = init.prices
  const priceLoop = (async () => {
    if (prices === undefined) return
    while (!stop.signal.aborted) {
      await prices.keeper.sync().then(
        (status) => prices.onStatus?.(status),
        (err: unknown) => prices.onError?.(err),
      )
      await sleep(prices.intervalMs, undefined, { signal: stop.signal }).catch(() => {})
    }
  })()
  return {
    url,
    async close() {
      stop.abort()
      await Promise.all([loop, priceLoop])
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await store.close()
    },
  }
}
