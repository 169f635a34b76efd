/** The W3Auth gateway's data side, run in a worker thread: see worker-protocol.ts for why. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'
import { listen } from '@crust-ts/base'
import { GatewayErrorCode, GatewayLimitError } from './errors.js'
import { proxyRequest } from './proxy.js'
import { type ControlReply, type GatewayWorkerData, type QuotaGrant, type Refusal, type StatField, statIndex, type WorkerRequest } from './worker-protocol.js'

/** Quota is drawn from the control side in leases of this size (one round trip per lease). */
const QUOTA_LEASE_BYTES = 8 * 1024 * 1024

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS, HEAD',
  'access-control-allow-headers': '*',
}

const port = parentPort
if (port === null) throw new Error('gateway worker: must run in a worker thread')
const data = workerData as GatewayWorkerData
const api = new URL(data.ipfsApi)
const readGateway = data.ipfsGateway === undefined ? undefined : new URL(data.ipfsGateway)
const stats = new Float64Array(data.stats)
const bump = (field: StatField, by = 1) => {
  stats[statIndex(field)]! += by
}

const post = (message: WorkerRequest) => port.postMessage(message)
const log = (level: 'debug' | 'warn', msg: string, fields: Record<string, unknown>) => post({ type: 'log', level, data: fields, msg })

let nextId = 1
const pending = new Map<number, (reply: ControlReply) => void>()
type Question = { type: 'admit'; authorization: string | undefined; declared: number; leaseWant: number } | { type: 'lease'; account: string; need: number; want: number }
function ask(message: Question): Promise<ControlReply> {
  const id = nextId++
  return new Promise((resolve) => {
    pending.set(id, resolve)
    post({ ...message, id })
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...CORS_HEADERS })
  res.end(text)
}

function refuse(res: ServerResponse, refusal: Refusal) {
  bump('refused')
  sendJson(res, refusal.status, { Error: refusal.error })
}

/**
 * The bytes one upload has drawn from its account's daily quota (the first lease comes with the admission);
 * asks for more as the body grows. A lease smaller than asked means the day's quota is used up, so going
 * past it is refused at once, on the chunk that crosses it.
 */
class QuotaLease {
  private granted: number
  private readonly day: number
  private exhausted: boolean

  constructor(private readonly account: string, first: QuotaGrant) {
    this.granted = first.granted
    this.day = first.day
    this.exhausted = first.granted < QUOTA_LEASE_BYTES
  }

  /** Undefined when `total` body bytes are covered, a promise while asking for more; throws QUOTA_EXCEEDED. */
  cover(total: number): Promise<void> | undefined {
    if (total <= this.granted) return undefined
    const refused = () => new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account: this.account })
    if (this.exhausted) throw refused()
    return ask({ type: 'lease', account: this.account, need: total - this.granted, want: QUOTA_LEASE_BYTES }).then((reply) => {
      if (reply.type !== 'leased' || reply.granted === 0) throw refused()
      this.granted += reply.granted
      this.exhausted = reply.granted < QUOTA_LEASE_BYTES
    })
  }

  /** Gives back what the upload did not use. */
  settle(used: number) {
    if (this.granted > used) post({ type: 'refund', account: this.account, bytes: this.granted - used, day: this.day })
  }
}

async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0)
  const verdict = await ask({ type: 'admit', authorization: req.headers.authorization, declared, leaseWant: data.quota ? QUOTA_LEASE_BYTES : 0 })
  if (verdict.type === 'refused') return refuse(res, verdict.refusal)
  if (verdict.type !== 'admitted') throw new Error(`gateway worker: unexpected reply ${verdict.type}`)
  bump('proxied')
  const lease = verdict.lease === undefined ? undefined : new QuotaLease(verdict.account, verdict.lease)
  let forwarded = 0
  try {
    await proxyRequest(req, res, {
      target: api,
      path,
      onBodyChunk: (total) => {
        if (total > data.maxRequestBytes) throw new GatewayLimitError(GatewayErrorCode.TOO_LARGE, { total })
        return lease?.cover(total)
      },
      onForwarded: (buffered, total) => {
        bump('uploadedBytes', total - forwarded)
        forwarded = total
        if (buffered > stats[statIndex('maxBufferedBytes')]!) stats[statIndex('maxBufferedBytes')] = buffered
      },
    })
  } catch (err) {
    if (!(err instanceof GatewayLimitError)) throw err
    req.resume()
    refuse(res, { status: err.status, error: err.message })
  } finally {
    lease?.settle(forwarded)
  }
}

/** False when `path` holds a malformed percent-encoding (`%E0`, `%zz`), which decodeURIComponent refuses. */
function wellEncoded(path: string): boolean {
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  bump('requests')
  // Routed and forwarded as the upstream would see it: `..` and `%2e%2e` segments resolved, so an
  // open `/ipfs/../api/v0/...` path cannot reach the API without W3Auth.
  const url = new URL(req.url ?? '/', 'http://gateway')
  const path = url.pathname
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS_HEADERS).end()
    return
  }
  // Refused here, not forwarded: the node behind would fail on it with a 500.
  if (!wellEncoded(path)) return sendJson(res, 400, { Error: 'malformed percent-encoding in the path' })
  if (path.startsWith('/api/v0/')) return handleApi(req, res, `${path}${url.search}`)
  if ((path.startsWith('/ipfs/') || path.startsWith('/ipns/')) && readGateway !== undefined) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { Error: 'Method Not Allowed' })
    bump('proxied')
    return proxyRequest(req, res, { target: readGateway, path: `${path}${url.search}` })
  }
  sendJson(res, 404, { Error: 'Not Found' })
}

/** Requests being handled: a stop waits for them so their last messages (quota refunds) are sent. */
const inflight = new Set<Promise<void>>()

const server = createServer((req, res) => {
  const handled = handle(req, res).catch((err: unknown) => {
    log('warn', 'proxy failed', { err: err instanceof Error ? err.message : String(err), url: req.url })
    sendJson(res, 500, { Error: err instanceof Error ? err.message : String(err) })
  })
  inflight.add(handled)
  handled.finally(() => inflight.delete(handled))
})

port.on('message', (reply: ControlReply) => {
  if (reply.type === 'stop') {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    Promise.all([closed, Promise.allSettled([...inflight])]).then(() => {
      post({ type: 'stopped' })
      port.close()
    })
    return
  }
  const resolve = pending.get(reply.id)
  pending.delete(reply.id)
  resolve?.(reply)
})

listen(server, data.port, data.host).then(
  (address) => post({ type: 'listening', host: address.address, port: address.port }),
  (err: NodeJS.ErrnoException) => {
    post({ type: 'listen-failed', code: err.code, message: err.message })
    port.close()
  },
)
