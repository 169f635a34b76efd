/** The IPFS Pinning Service API under `/psa` (W3Auth Bearer), answering from the pin store. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '@crust-ts/base'
import { listen } from '@crust-ts/base'
import { type W3Auth, W3AuthError } from '../auth/index.js'
import { type PinLimits, PinStoreError, PinStoreErrorCode, type PinStore } from '../store/index.js'
import { defaultPinningServiceOptions as D, type PinningServiceConfig, type PinningServiceInit, resolvePinningServiceConfig } from './options.js'
import { allowlistAccounts } from './allowlist.js'
import { OriginDialer } from './origins.js'
import { pinStatusJson } from './pin-status.js'
import { BadRequest, parseListQuery, parsePinBody } from './validate.js'

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    details?: string,
  ) {
    super(details ?? reason)
  }
}

function send(res: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    res.writeHead(status, CORS_HEADERS).end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...CORS_HEADERS })
  res.end(text)
}

function failure(res: ServerResponse, status: number, reason: string, details: string) {
  send(res, status, { error: { reason, details } })
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new HttpFailure(413, 'PAYLOAD_TOO_LARGE', `body larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new BadRequest('body must be JSON')
  }
}

export class PinningService {
  private readonly server: Server
  private readonly store: PinStore
  private readonly auth: W3Auth
  private readonly basePath: string
  private readonly log: Logger | undefined
  private delegates: string[]
  private address: AddressInfo | undefined
  private readonly dialer: OriginDialer | undefined

  private readonly config: PinningServiceConfig
  private allowedAccounts: Set<string> | undefined

  constructor(init: PinningServiceInit) {
    const config = resolvePinningServiceConfig(init)
    this.config = config
    this.store = config.store
    this.auth = config.auth
    this.basePath = config.basePath
    this.delegates = config.delegates ?? []
    this.log = config.logger?.forComponent('gateway:psa')
    this.dialer = config.ipfsApi === undefined ? undefined : new OriginDialer(config.ipfsApi, config.origins, config.now, this.log)
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof BadRequest) return failure(res, 400, 'BAD_REQUEST', err.message)
        if (err instanceof HttpFailure) return failure(res, err.status, err.reason, err.message)
        this.log?.error({ err, url: req.url, method: req.method }, 'request failed')
        if (res.headersSent) res.destroy()
        else failure(res, 500, 'INTERNAL_SERVER_ERROR', err instanceof Error ? err.message : String(err))
      })
    })
  }

  /** Starts listening (after learning the node's multiaddrs when `delegates` was not given). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.config.delegates === undefined && this.config.ipfsApi !== undefined) this.delegates = await this.nodeAddresses(this.config.ipfsApi)
    this.address = await listen(this.server, this.config.port, this.config.host)
    this.log?.info({ host: this.address.address, port: this.address.port, basePath: this.basePath, delegates: this.delegates }, 'pinning service listening')
    return { host: this.address.address, port: this.address.port }
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  /** Base URL of the API, e.g. `http://127.0.0.1:3000/psa` (after start). */
  get url(): string {
    if (this.address === undefined) throw new Error('pinning service not started')
    return `http://${this.address.address}:${this.address.port}${this.basePath}`
  }

  private async nodeAddresses(api: string): Promise<string[]> {
    try {
      const res = await fetch(new URL('/api/v0/id', api), { method: 'POST' })
      const id = (await res.json()) as { ID?: string; Addresses?: string[] | null }
      return (id.Addresses ?? []).map((a) => (a.includes('/p2p/') || id.ID === undefined ? a : `${a}/p2p/${id.ID}`))
    } catch (err) {
      this.log?.warn({ err, api }, 'cannot read the node multiaddrs for delegates')
      return []
    }
  }

  private dialOrigins(owner: string, requestid: string, origins: readonly string[]) {
    if (origins.length > 0) this.dialer?.dial(owner, requestid, origins)
  }

  private allowed(owner: string, address: string): boolean {
    const access = this.config.access
    if (access.mode === 'open') return true
    this.allowedAccounts ??= allowlistAccounts(access.accounts)
    return this.allowedAccounts.has(owner) || this.allowedAccounts.has(address)
  }

  /** Today's pins and pending pins, checked by the store in the insert's transaction. */
  private pinLimits(): PinLimits {
    const now = this.config.now()
    const { pinsPerDay, maxPendingPins } = this.config.limits
    return { maxPending: maxPendingPins, maxSince: pinsPerDay, since: Math.floor(now / 86_400_000) * 86_400_000 }
  }

  /** A pin over its account's limits answers 429 with the limit in `details`. */
  private async withinLimits<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof PinStoreError && err.code === PinStoreErrorCode.LIMIT_REACHED) throw new HttpFailure(429, 'ACCOUNT_LIMIT', err.message)
      throw err
    }
  }

  private get threshold(): number {
    return this.config.orderEngine?.replicaThreshold ?? D.replicaThreshold
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://psa')
    if (req.method === 'OPTIONS') return send(res, 204)
    if (!wellEncoded(url.pathname)) throw new HttpFailure(400, 'BAD_REQUEST', 'malformed percent-encoding in the path')
    if (!url.pathname.startsWith(`${this.basePath}/`)) throw new HttpFailure(404, 'NOT_FOUND', 'not found')
    const route = url.pathname.slice(this.basePath.length).replace(/\/+$/, '')
    let owner: string
    let address: string
    try {
      const identity = await this.auth.authenticate(req.headers.authorization)
      owner = identity.account
      address = identity.address
    } catch (err) {
      if (!(err instanceof W3AuthError)) throw err
      return failure(res, 401, err.reply, err.reply)
    }
    if (!this.allowed(owner, address)) {
      this.log?.info({ owner }, 'refused: not on the allowlist')
      throw new HttpFailure(403, 'FORBIDDEN', 'this account may not use this pinning service')
    }
    const status = (pin: Parameters<typeof pinStatusJson>[0]) => pinStatusJson(pin, this.threshold, this.delegates)
    if (route === '/pins') {
      if (req.method === 'GET') {
        const list = await this.store.listPins(parseListQuery(owner, url.searchParams))
        return send(res, 200, { count: list.count, results: list.results.map(status) })
      }
      if (req.method === 'POST') {
        const pin = parsePinBody(owner, await readJson(req, this.config.maxBodyBytes))
        const stored = await this.withinLimits(() => this.store.addPin({ ...pin, delegates: this.delegates }, this.config.now(), this.pinLimits()))
        this.log?.info({ requestid: stored.requestid, cid: stored.cid, owner }, 'pin accepted')
        this.dialOrigins(owner, stored.requestid, stored.origins)
        this.config.orderEngine?.wake()
        return send(res, 202, status(stored))
      }
      throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on /pins`)
    }
    const match = /^\/pins\/([^/]+)$/.exec(route)
    if (match === null) throw new HttpFailure(404, 'NOT_FOUND', 'not found')
    const requestid = decodeURIComponent(match[1]!)
    if (req.method === 'GET') {
      const pin = await this.store.getPin(owner, requestid)
      if (pin === undefined) throw new HttpFailure(404, 'not found', 'not found')
      return send(res, 200, status(pin))
    }
    if (req.method === 'POST') {
      const pin = parsePinBody(owner, await readJson(req, this.config.maxBodyBytes))
      const replaced = await this.withinLimits(() =>
        this.store.replacePin(owner, requestid, { ...pin, delegates: this.delegates }, this.config.now(), this.pinLimits()),
      )
      if (replaced === undefined) throw new HttpFailure(404, 'not found', 'not found')
      this.log?.info({ requestid, replacement: replaced.requestid, cid: replaced.cid, owner }, 'pin replaced')
      this.dialOrigins(owner, replaced.requestid, replaced.origins)
      this.config.orderEngine?.wake()
      return send(res, 202, status(replaced))
    }
    if (req.method === 'DELETE') {
      if (!(await this.store.deletePin(owner, requestid))) throw new HttpFailure(404, 'not found', 'not found')
      this.log?.info({ requestid, owner }, 'pin deleted')
      return send(res, 202)
    }
    throw new HttpFailure(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on /pins/{requestid}`)
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

/** Creates (does not start) the pinning service; call `start()`. */
export function createPinningService(init: PinningServiceInit): PinningService {
  return new PinningService(init)
}
