/**
 * The order node's HTTP API: every event's state. `GET /events` lists the records,
 * `GET /events/:chainId/:txHash/:logIndex` gives one, `GET /prices` the price oracle's last check;
 * errors are JSON `{ error: { code, message } }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { eventKey } from './record.js'
import type { PriceStatus } from './price-keeper.js'
import type { EventStore } from './store.js'

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`)
}

function failure(status: number, code: string, message: string): [number, unknown] {
  return [status, { error: { code, message } }]
}

/** The price keeper's last status; undefined when the node keeps no oracle. */
export type PriceStatusSource = () => PriceStatus | undefined

export function handleApi(store: EventStore, req: IncomingMessage, res: ServerResponse, prices?: PriceStatusSource): void {
  const [status, payload] = answer(store, req, prices)
  send(res, status, payload)
}

function answer(store: EventStore, req: IncomingMessage, prices: PriceStatusSource | undefined): [number, unknown] {
  if (req.method !== 'GET') return failure(405, 'ORDER_NODE_METHOD', 'the API is read-only: GET only')
  const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '')
  if (path === '/events') return [200, { events: store.all() }]
  if (path === '/prices') {
    if (prices === undefined) return failure(404, 'ORDER_NODE_NO_PRICES', 'this order node does not keep the price oracle')
    return [200, prices() ?? { checkedAt: null }]
  }
  const parts = path.split('/')
  if (parts.length === 5 && parts[1] === 'events') {
    const [chainId, txHash, logIndex] = [Number(parts[2]), parts[3]!, Number(parts[4])]
    if (!Number.isSafeInteger(chainId) || !/^0x[0-9a-fA-F]{64}$/.test(txHash) || !Number.isSafeInteger(logIndex) || logIndex < 0) {
      return failure(400, 'ORDER_NODE_BAD_KEY', 'expected /events/<chain id>/<0x transaction hash>/<log index>')
    }
    const record = store.get(eventKey(chainId, txHash, logIndex))
    if (record === undefined) return failure(404, 'ORDER_NODE_NO_EVENT', `no Order event ${txHash} #${logIndex} on chain ${chainId} seen`)
    return [200, record]
  }
  return failure(404, 'ORDER_NODE_NOT_FOUND', `no ${path}: try GET /events`)
}

export function createApiServer(store: EventStore, prices?: PriceStatusSource): Server {
  return createServer((req, res) => handleApi(store, req, res, prices))
}
