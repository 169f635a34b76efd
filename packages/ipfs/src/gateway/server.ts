/** The gateway's HTTP server: node:http, request lifecycle, error answers, start/stop. */
import { listen } from '@crust-ts/base'
import { setMaxListeners } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { type Logger, silentLogger } from '@crust-ts/base'
import type { IpfsNode } from '../interface.js'
import { CONTENT_TYPE_TEXT, CORS_HEADERS, RESPONSE_BUFFER_BYTES, RETRY_AFTER_SECONDS } from './constants.js'
import { GatewayError } from './errors.js'
import { handleIpfsRequest } from './handler.js'
import type { GatewayAddress, GatewayServer } from './interface.js'
import { type GatewayInit, type GatewayOptions, resolveGatewayOptions } from './options.js'
import { acceptsJson, parseRequest } from './request.js'
import type { GatewayResponse } from './response.js'

const ALLOW = 'GET, HEAD, OPTIONS'

export class DefaultGatewayServer implements GatewayServer {
  private readonly node: IpfsNode
  private readonly options: GatewayOptions
  private readonly log: Logger
  private http: Server | undefined
  private stopping: Promise<void> | undefined
  /** One controller per in-flight request; aborted when its client leaves or the gateway stops. */
  private readonly inflight = new Set<AbortController>()

  constructor(node: IpfsNode, init: GatewayInit = {}) {
    this.node = node
    this.options = resolveGatewayOptions(init)
    this.log = (init.logger ?? silentLogger).forComponent('ipfs:gateway')
  }

  async start(): Promise<GatewayAddress> {
    if (this.http !== undefined || this.stopping !== undefined) {
      throw new GatewayError('GATEWAY_ERROR_ALREADY_STARTED', 'gateway already started')
    }
    const server = createServer({ maxHeaderSize: this.options.maxHeaderBytes, highWaterMark: RESPONSE_BUFFER_BYTES })
    server.on('request', (req, res) => this.onRequest(req, res))
    server.on('clientError', (err, socket) => this.onClientError(err, socket as Socket))
    this.http = server
    const { host, port } = this.options
    try {
      await listen(server, port, host)
    } catch (err) {
      this.http = undefined
      throw new GatewayError('GATEWAY_ERROR_LISTEN', `gateway cannot listen on ${host}:${port}`, { host, port }, { cause: err })
    }
    server.on('error', (err) => this.log.warn({ err }, 'gateway server error'))
    const address = server.address() as AddressInfo
    this.log.info({ host: address.address, port: address.port }, 'gateway listening')
    return { host: address.address, port: address.port }
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    const server = this.http
    if (server === undefined) return Promise.resolve()
    this.stopping = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const controller of this.inflight) controller.abort(new Error('gateway stopping'))
      server.closeAllConnections()
      await closed
      this.log.info('gateway stopped')
    })().finally(() => {
      this.http = undefined
      this.stopping = undefined
    })
    return this.stopping
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const body = `${STATUS_CODES[status]}\n`
    this.log.debug({ err: { code: err.code, message: err.message }, status }, 'gateway rejected a malformed request')
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${CONTENT_TYPE_TEXT}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const controller = new AbortController()
    setMaxListeners(Number.POSITIVE_INFINITY, controller.signal)
    this.inflight.add(controller)
    res.once('close', () => {
      this.inflight.delete(controller)
      if (!res.writableFinished) controller.abort(new Error('client closed the connection'))
    })
    const started = process.hrtime.bigint()
    this.serve(req, res, controller.signal)
      .catch((err: unknown) => this.log.warn({ err }, 'gateway request failed'))
      .finally(() => {
        this.log.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'gateway request')
      })
  }

  private async serve(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    let response: GatewayResponse
    try {
      response = await this.answer(req, signal)
    } catch (err) {
      if (signal.aborted) {
        res.destroy()
        return
      }
      response = this.errorResponse(req, err)
    }
    try {
      await this.send(req, res, response, signal)
    } catch (err) {
      // Only reached when the answer itself cannot be written (headers Node refuses).
      this.log.warn({ err, url: req.url }, 'gateway cannot write its answer')
      if (res.headersSent) {
        res.destroy()
        return
      }
      res.writeHead(500, { ...CORS_HEADERS, 'Content-Type': CONTENT_TYPE_TEXT })
      res.end('internal error: the answer cannot be written\n')
    }
  }

  private async answer(req: IncomingMessage, signal: AbortSignal): Promise<GatewayResponse> {
    const method = req.method ?? ''
    if (method === 'OPTIONS') return { status: 204, headers: { Allow: ALLOW } }
    if (method !== 'GET' && method !== 'HEAD') {
      throw new GatewayError(
        'GATEWAY_ERROR_METHOD_NOT_ALLOWED',
        `method ${method} not allowed: the gateway is read-only`,
        { method },
        {
          headers: { Allow: ALLOW },
        },
      )
    }
    const target = parseRequest(method, req.url ?? '/', req.headers)
    switch (target.kind) {
      case 'ipns':
        throw new GatewayError('GATEWAY_ERROR_NOT_IMPLEMENTED', '/ipns/ paths are not supported by this gateway')
      case 'other':
        throw new GatewayError('GATEWAY_ERROR_NOT_FOUND', 'not found: this gateway serves /ipfs/<cid>[/<path>]')
      case 'ipfs':
        return handleIpfsRequest(this.node, target.request, signal)
    }
  }

  /** The answer for a thrown error: plain text as Kubo's gateway, or JSON when the client asks. */
  private errorResponse(req: IncomingMessage, err: unknown): GatewayResponse {
    const error =
      err instanceof GatewayError
        ? err
        : new GatewayError('GATEWAY_ERROR_INTERNAL', `internal error: ${(err as Error)?.message ?? String(err)}`, undefined, {
            cause: err,
          })
    if (error.status === 500) {
      this.log.warn({ err, url: req.url, status: error.status }, 'gateway error')
    } else {
      this.log.debug({ code: error.code, url: req.url, status: error.status }, 'gateway client error')
    }
    const headers: Record<string, string> = { ...error.headers, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }
    if (error.status === 502 || error.status === 504) headers['Retry-After'] = String(RETRY_AFTER_SECONDS)
    // only-if-cached misses are answered without payload (path gateway spec).
    if (error.status === 412) return { status: 412, headers, body: '' }
    if (acceptsJson(req.headers.accept)) {
      const object = error.toObject()
      return {
        status: error.status,
        headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ ...object, status: error.status }),
      }
    }
    return { status: error.status, headers: { ...headers, 'Content-Type': CONTENT_TYPE_TEXT }, body: `${error.message}\n` }
  }

  private async send(req: IncomingMessage, res: ServerResponse, response: GatewayResponse, signal: AbortSignal): Promise<void> {
    const { body } = response
    const headers: Record<string, string> = { ...CORS_HEADERS, ...response.headers }
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body
      headers['Content-Length'] = String(bytes.length)
      res.writeHead(response.status, headers)
      res.end(req.method === 'HEAD' ? undefined : bytes)
      return
    }
    res.writeHead(response.status, headers)
    if (body === undefined || req.method === 'HEAD') {
      res.end()
      return
    }
    try {
      await pipeline(body, res, { signal })
    } catch (err) {
      if (!signal.aborted) {
        this.log.debug({ err, url: req.url }, 'gateway response stream failed after headers')
      }
      res.destroy()
    }
  }
}
