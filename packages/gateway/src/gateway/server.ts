/** The W3Auth gateway: `/api/v0/*` authenticated and streamed to the Kubo API, `/ipfs/*` open to the read gateway. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '@crust-ts/chain/logger'
import { listen } from '@crust-ts/chain/net'
import { createW3Auth, type W3Auth, W3AuthError, type W3AuthIdentity } from '../auth/index.js'
import { GatewayErrorCode, GatewayLimitError } from './errors.js'
import { RateLimiter, UploadQuota } from './limits.js'
import { defaultGatewayOptions, type W3AuthGatewayInit } from './options.js'
import { proxyRequest } from './proxy.js'

/** Counters a test or an operator can read. */
export interface GatewayStats {
  requests: number
  proxied: number
  refused: number
  /** Request body bytes forwarded to the API. */
  uploadedBytes: number
  /** Largest amount of request body held inside the gateway at any moment (streaming check). */
  maxBufferedBytes: number
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS, HEAD',
  'access-control-allow-headers': '*',
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

export class W3AuthGateway {
  readonly stats: GatewayStats = { requests: 0, proxied: 0, refused: 0, uploadedBytes: 0, maxBufferedBytes: 0 }
  private readonly server: Server
  private readonly auth: W3Auth
  private readonly api: URL
  private readonly readGateway: URL | undefined
  private readonly rate: RateLimiter | undefined
  private readonly quota: UploadQuota | undefined
  private readonly maxRequestBytes: number
  private readonly log: Logger | undefined
  private address: AddressInfo | undefined

  constructor(private readonly init: W3AuthGatewayInit) {
    const now = init.now ?? Date.now
    this.auth = init.auth ?? createW3Auth()
    this.api = new URL(init.ipfsApi)
    this.readGateway = init.ipfsGateway === undefined ? undefined : new URL(init.ipfsGateway)
    this.rate = init.rateLimit === undefined ? undefined : new RateLimiter(init.rateLimit, now)
    const perDay = init.quotas?.uploadBytesPerDay ?? defaultGatewayOptions.uploadBytesPerDay
    this.quota = Number.isFinite(perDay) ? new UploadQuota(perDay, now) : undefined
    this.maxRequestBytes = init.maxRequestBytes ?? defaultGatewayOptions.maxRequestBytes
    this.log = init.logger?.forComponent('gateway:w3auth')
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log?.warn({ err, url: req.url }, 'proxy failed')
        sendJson(res, 500, { Error: err instanceof Error ? err.message : String(err) })
      })
    })
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    this.address = await listen(this.server, this.init.port ?? defaultGatewayOptions.port, this.init.host ?? defaultGatewayOptions.host)
    this.log?.info({ host: this.address.address, port: this.address.port, ipfsApi: this.api.href }, 'W3Auth gateway listening')
    return { host: this.address.address, port: this.address.port }
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  /** The bound URL (after start). */
  get url(): string {
    if (this.address === undefined) throw new Error('gateway not started')
    return `http://${this.address.address}:${this.address.port}`
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++
    // Routed and forwarded as the upstream would see it: `..` and `%2e%2e` segments resolved, so an
    // open `/ipfs/../api/v0/...` path cannot reach the API without W3Auth.
    const url = new URL(req.url ?? '/', 'http://gateway')
    const path = url.pathname
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end()
      return
    }
    if (path.startsWith('/api/v0/')) return this.handleApi(req, res, `${path}${url.search}`)
    if ((path.startsWith('/ipfs/') || path.startsWith('/ipns/')) && this.readGateway !== undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { Error: 'Method Not Allowed' })
      this.stats.proxied++
      return proxyRequest(req, res, { target: this.readGateway, path: `${path}${url.search}` })
    }
    sendJson(res, 404, { Error: 'Not Found' })
  }

  private refuse(res: ServerResponse, err: GatewayLimitError) {
    this.stats.refused++
    sendJson(res, err.status, { Error: err.message })
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let identity: W3AuthIdentity
    try {
      identity = await this.auth.authenticate(req.headers.authorization)
    } catch (err) {
      if (!(err instanceof W3AuthError)) throw err
      this.stats.refused++
      this.log?.debug({ code: err.code, url: req.url }, 'refused')
      return sendJson(res, 401, { Error: err.reply })
    }
    const account = identity.account
    if (this.rate !== undefined && !this.rate.take(account)) return this.refuse(res, new GatewayLimitError(GatewayErrorCode.RATE_LIMITED, { account }))
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > this.maxRequestBytes) return this.refuse(res, new GatewayLimitError(GatewayErrorCode.TOO_LARGE, { declared }))
    const quota = this.quota
    if (quota !== undefined && quota.usedBy(account) + declared > quota.bytesPerDay) {
      return this.refuse(res, new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account }))
    }
    this.stats.proxied++
    try {
      await proxyRequest(req, res, {
        target: this.api,
        path,
        onBodyChunk: (total, chunk) => {
          if (total > this.maxRequestBytes) throw new GatewayLimitError(GatewayErrorCode.TOO_LARGE, { total })
          if (quota !== undefined && !quota.consume(account, chunk)) throw new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account })
          this.stats.uploadedBytes += chunk
        },
        onBuffered: (bytes) => {
          if (bytes > this.stats.maxBufferedBytes) this.stats.maxBufferedBytes = bytes
        },
      })
    } catch (err) {
      if (!(err instanceof GatewayLimitError)) throw err
      req.resume()
      this.refuse(res, err)
    }
  }
}

/** Creates (does not start) a W3Auth gateway; call `start()`. */
export function createW3AuthGateway(init: W3AuthGatewayInit): W3AuthGateway {
  return new W3AuthGateway(init)
}
