/** The W3Auth gateway's data side, run in a worker thread: see worker-protocol.ts for why. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'
import { listen } from '@crust-ts/base'
import { GatewayErrorCode, GatewayLimitError } from './errors.js'
import { type TenantCommandKind, tenantCommand } from './commands.js'
import { proxyRequest, type ResponseTap } from './proxy.js'
import {
  type ControlReply,
  type GatewayWorkerData,
  type QuotaGrant,
  type Refusal,
  type StatField,
  statIndex,
  type TenantPinOp,
  type WorkerRequest,
} from './worker-protocol.js'

/** Quota is drawn from the control side in leases of this size (one round trip per lease). */
const QUOTA_LEASE_BYTES = 8 * 1024 * 1024

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS, HEAD',
  // `*` does not cover Authorization in browsers (Fetch spec): W3Auth's header must be named.
  'access-control-allow-headers': 'authorization, *',
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
type Question = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never
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
 * The bytes one request has drawn from its account's daily quota (an upload's first lease comes with the
 * admission, a read's is asked for when its first bytes come back); asks for more as the count grows. A
 * lease smaller than asked means the day's quota is used up, so going past it is refused at once, on the
 * chunk that crosses it.
 */
class QuotaLease {
  private granted: number
  private day: number | undefined
  private exhausted: boolean

  constructor(
    private readonly account: string,
    first: QuotaGrant | undefined,
    asked: number,
  ) {
    this.granted = first?.granted ?? 0
    this.day = first?.day
    this.exhausted = first !== undefined && first.granted < asked
  }

  /** Undefined when `total` bytes are covered, a promise while asking for more; throws QUOTA_EXCEEDED. */
  cover(total: number): Promise<void> | undefined {
    if (total <= this.granted) return undefined
    const refused = () => new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account: this.account })
    if (this.exhausted) throw refused()
    return ask({ type: 'lease', account: this.account, need: total - this.granted, want: QUOTA_LEASE_BYTES }).then((reply) => {
      if (reply.type !== 'leased' || reply.granted === 0) throw refused()
      this.day ??= reply.day
      this.granted += reply.granted
      this.exhausted = reply.granted < QUOTA_LEASE_BYTES
      if (total > this.granted) throw refused()
    })
  }

  /** Gives back what the request did not use. */
  settle(used: number) {
    if (this.granted > used && this.day !== undefined) post({ type: 'refund', account: this.account, bytes: this.granted - used, day: this.day })
    this.granted = Math.min(this.granted, used)
  }
}

/** Splits NDJSON chunks into parsed lines (lines that are not JSON are skipped). */
function lineReader(onLine: (value: Record<string, unknown>) => void): (chunk: Buffer) => void {
  let rest = ''
  return (chunk) => {
    const text = rest + chunk.toString('utf8')
    const lines = text.split('\n')
    rest = lines.pop() ?? ''
    if (rest.length > 1024 * 1024) rest = ''
    for (const line of lines) {
      if (line.trim() === '') continue
      try {
        const value = JSON.parse(line) as unknown
        if (value !== null && typeof value === 'object') onLine(value as Record<string, unknown>)
      } catch {
        // not a JSON line: nothing to read in it
      }
    }
  }
}

/** Kubo's boolean option values. */
function bool(value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback
  return !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value)
}

/**
 * For `add` and `dag/import`: the roots the node pinned for the tenant, read from the answer
 * (`add`: its top-level entries, or the wrapping directory; `dag/import`: the `Root` lines pinned
 * without error), recorded as the tenant's pins before the answer ends. Undefined when the request
 * pins nothing.
 */
function pinnedRoots(command: string, query: URLSearchParams, account: string): ResponseTap | undefined {
  const roots: string[] = []
  let onLine: (value: Record<string, unknown>) => void
  if (command === 'add') {
    if (!bool(query.get('pin'), true) || bool(query.get('only-hash') ?? query.get('n'), false)) return undefined
    const wrap = bool(query.get('wrap-with-directory') ?? query.get('w'), false)
    let last: string | undefined
    onLine = (line) => {
      if (typeof line.Hash !== 'string' || typeof line.Name !== 'string') return
      last = line.Hash
      if (!wrap && !line.Name.includes('/')) roots.push(line.Hash)
    }
    const read = lineReader((line) => onLine(line))
    return answerTap(read, account, () => (wrap ? (last === undefined ? [] : [last]) : roots), query.get('pin-name') ?? undefined)
  }
  if (!bool(query.get('pin-roots'), true)) return undefined
  onLine = (line) => {
    const root = line.Root as { Cid?: { '/'?: unknown }; PinErrorMsg?: unknown } | undefined
    if (root === undefined || typeof root.Cid?.['/'] !== 'string') return
    if (root.PinErrorMsg === undefined || root.PinErrorMsg === '') roots.push(root.Cid['/'])
  }
  return answerTap(
    lineReader((line) => onLine(line)),
    account,
    () => roots,
    undefined,
  )
}

function answerTap(read: (chunk: Buffer) => void, account: string, roots: () => string[], name: string | undefined): ResponseTap {
  let ok = false
  let chunked = true
  return {
    onStatus: (status, headers) => {
      ok = status === 200
      chunked = headers['content-length'] === undefined
    },
    onChunk: (chunk) => {
      if (ok) read(chunk)
    },
    onEnd: async () => {
      const found = roots()
      if (!ok || found.length === 0) return undefined
      const reply = await ask({ type: 'record', account, roots: found, name })
      if (reply.type === 'recorded' && reply.error === undefined) return undefined
      const error = reply.type === 'recorded' ? reply.error : 'cannot record the pins'
      log('warn', 'tenant pins not recorded', { account, roots: found, err: error })
      return chunked ? Buffer.from(`${JSON.stringify({ Message: `pin: ${error}`, Code: 0, Type: 'error' })}\n`) : undefined
    },
  }
}

/** Meters an answer against the quota: its bytes (`read`), or the DAG bytes `dag/stat` walked (its running TotalSize). */
function meteredAnswer(kind: TenantCommandKind, lease: QuotaLease, body: () => number, onUsed: (used: number) => void): ResponseTap | undefined {
  if (kind === 'read') {
    let bytes = 0
    return {
      onChunk: (chunk) => {
        bytes += chunk.length
        onUsed(body() + bytes)
        return lease.cover(body() + bytes)
      },
    }
  }
  if (kind === 'dag-stat') {
    let walked = 0
    const read = lineReader((line) => {
      if (typeof line.TotalSize === 'number' && line.TotalSize > walked) walked = line.TotalSize
    })
    return {
      onChunk: (chunk) => {
        read(chunk)
        onUsed(body() + walked)
        return lease.cover(body() + walked)
      },
    }
  }
  return undefined
}

/**
 * The first lease of an upload: its declared length when it has one (node's HTTP server reads no more
 * than that), so a small upload does not hold a whole lease of the account's quota until it is refunded.
 */
const leaseFor = (declared: number) => (declared > 0 ? declared : QUOTA_LEASE_BYTES)

const TENANT_OPS = new Set<TenantCommandKind>(['pin-add', 'pin-rm', 'pin-ls'])

async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0)
  const command = tenantCommand(url.pathname)
  const upload = command.allowed && (command.kind === 'upload' || command.kind === 'upload-pins')
  const verdict = await ask({
    type: 'admit',
    authorization: req.headers.authorization,
    declared,
    leaseWant: data.quota && upload ? leaseFor(declared) : 0,
    command: command.command,
  })
  if (verdict.type === 'refused') return refuse(res, verdict.refusal)
  if (verdict.type !== 'admitted') throw new Error(`gateway worker: unexpected reply ${verdict.type}`)
  if (!command.allowed) return refuse(res, { status: 403, error: 'Forbidden' })
  const account = verdict.account
  if (TENANT_OPS.has(command.kind)) {
    req.resume()
    const answer = await ask({ type: 'tenant', account, op: command.kind as TenantPinOp, query: url.search })
    if (answer.type !== 'answer') throw new Error(`gateway worker: unexpected reply ${answer.type}`)
    const body = answer.body
    res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...CORS_HEADERS })
    res.end(body)
    return
  }
  bump('proxied')
  const lease = data.quota ? new QuotaLease(account, verdict.lease, upload ? leaseFor(declared) : 0) : undefined
  let forwarded = 0
  let used = 0
  const query = url.searchParams
  if (command.kind === 'dag-stat') query.set('progress', 'true')
  const response =
    command.kind === 'upload-pins'
      ? pinnedRoots(command.command, query, account)
      : lease === undefined
        ? undefined
        : meteredAnswer(
            command.kind,
            lease,
            () => forwarded,
            (u) => {
              used = u
            },
          )
  const search = query.toString()
  try {
    await proxyRequest(req, res, {
      target: api,
      // Forwarded as decided: the command as the allowlist read it.
      path: `/api/v0/${command.command}${search === '' ? '' : `?${search}`}`,
      onBodyChunk: (total) => {
        if (total > data.maxRequestBytes) throw new GatewayLimitError(GatewayErrorCode.TOO_LARGE, { total })
        return lease?.cover(total)
      },
      onForwarded: (buffered, total) => {
        bump('uploadedBytes', total - forwarded)
        forwarded = total
        if (buffered > stats[statIndex('maxBufferedBytes')]!) stats[statIndex('maxBufferedBytes')] = buffered
      },
      ...(response === undefined ? {} : { response }),
    })
  } catch (err) {
    if (!(err instanceof GatewayLimitError)) throw err
    if (res.headersSent) {
      // A metered answer that ran past the quota: cut it.
      res.destroy()
      return
    }
    req.resume()
    refuse(res, { status: err.status, error: err.message })
  } finally {
    lease?.settle(Math.max(forwarded, used))
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
  // Proxied answers carry the node's headers, which admit no browser: a web page (the console)
  // may read what its W3Auth signature bought.
  res.setHeader('access-control-allow-origin', '*')
  // Refused here, not forwarded: the node behind would fail on it with a 500.
  if (!wellEncoded(path)) return sendJson(res, 400, { Error: 'malformed percent-encoding in the path' })
  if (path.startsWith('/api/v0/')) return handleApi(req, res, url)
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
