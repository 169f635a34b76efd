import { listen } from '@crust-ts/base'
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import {
  HEALTH_PATH,
  INTERNAL_ERROR_CODE,
  INTERNAL_ERROR_MSG,
  INVALID_REQUEST_CODE,
  OVERSIZED_REQUEST_CODE,
  OVERSIZED_REQUEST_MSG,
  SERVER_IS_BUSY_CODE,
  SERVER_IS_BUSY_MSG,
  SYSTEM_HEALTH_METHOD,
  WS_CLOSE_GOING_AWAY,
} from './constants.js'
import { originAllowed } from './cors.js'
import { type Channel, RpcDispatcher } from './dispatcher.js'
import { RpcError, RpcServerError } from './errors.js'
import type { JsonRpcErrorObject, MethodHandler, RpcContext, RpcLogger, SubscriptionSpec } from './interface.js'
import { defaultRpcServerOptions, type RpcServerInit, type RpcServerOptions } from './options.js'
import { errorResponse, exceededLimit, serializeValue } from './protocol.js'
import { WsConnection } from './ws-connection.js'

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
const ACCEPTED_CONTENT_TYPES = new Set(['application/json', 'application/json-rpc'])
const NOT_ALLOWED_MSG = 'Used HTTP Method is not allowed. POST is required'
const NOT_FOUND_MSG = 'Not found'
const UNSUPPORTED_TYPE_MSG = 'Supplied content type is not allowed. Content-Type: application/json is required'
const TOO_MANY_CONNECTIONS_DATA = 'Too many connections. Please try again later.'
const SHUTTING_DOWN_DATA = 'Server is shutting down'
const ORIGIN_DENIED_MSG = 'Origin of the request is not allowed: start the node with --rpc-cors naming it (or --rpc-cors all)'

const silentLogger: RpcLogger = { warn: () => {} }

function resolveOptions(init: RpcServerInit): RpcServerOptions {
  const options: RpcServerOptions = {
    host: init.host ?? defaultRpcServerOptions.host,
    port: init.port,
    maxRequestBytes: init.maxRequestBytes ?? defaultRpcServerOptions.maxRequestBytes,
    maxResponseBytes: init.maxResponseBytes ?? defaultRpcServerOptions.maxResponseBytes,
    maxConnections: init.maxConnections ?? defaultRpcServerOptions.maxConnections,
    maxSubscriptionsPerConnection: init.maxSubscriptionsPerConnection ?? defaultRpcServerOptions.maxSubscriptionsPerConnection,
    maxBatchLength: init.maxBatchLength ?? defaultRpcServerOptions.maxBatchLength,
    maxBufferedBytes: init.maxBufferedBytes ?? defaultRpcServerOptions.maxBufferedBytes,
    maxInFlightPerConnection: init.maxInFlightPerConnection ?? defaultRpcServerOptions.maxInFlightPerConnection,
    stopGraceMs: init.stopGraceMs ?? defaultRpcServerOptions.stopGraceMs,
    logger: init.logger ?? silentLogger,
    cors: init.cors ?? defaultRpcServerOptions.cors,
  }
  const { host, logger, port, stopGraceMs, cors, ...limits } = options
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', `${name} must be a positive integer`, { [name]: value })
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', 'port must be an integer in 0..65535', { port })
  }
  if (cors !== 'all' && !Array.isArray(cors)) {
    throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', "cors must be 'all' or a list of origins", { cors })
  }
  if (!Number.isFinite(stopGraceMs) || stopGraceMs < 0) {
    throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', 'stopGraceMs must be a non-negative number', { stopGraceMs })
  }
  if (options.maxBufferedBytes < options.maxResponseBytes) {
    throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', 'maxBufferedBytes must be at least maxResponseBytes', {
      maxBufferedBytes: options.maxBufferedBytes,
      maxResponseBytes: options.maxResponseBytes,
    })
  }
  return options
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false
  const mediaType = header.split(';', 1)[0]!.trim().toLowerCase()
  return ACCEPTED_CONTENT_TYPES.has(mediaType)
}

function errorBody(error: JsonRpcErrorObject): string {
  return errorResponse(null, error)
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { ...headers, 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * JSON-RPC 2.0 server on one port: WebSocket (any path; calls, batches and subscriptions) and HTTP
 * `POST` (calls and batches), plus `GET /health`. Method-agnostic: the node registers its methods
 * with {@link addMethod} and {@link addSubscription}; `rpc_methods` is built in. Modelled on
 * jsonrpsee, the server Substrate nodes use (same error codes and messages, same limits).
 */
export class RpcServer {
  private readonly options: RpcServerOptions
  private readonly logger: RpcLogger
  private readonly dispatcher: RpcDispatcher
  private readonly wss: WebSocketServer
  private readonly connections = new Set<WsConnection>()
  private http: Server | undefined
  private stopping: Promise<void> | undefined
  /** WebSocket connections plus in-flight HTTP requests. */
  private active = 0
  private nextConnectionId = 1

  constructor(init: RpcServerInit) {
    this.options = resolveOptions(init)
    this.logger = this.options.logger
    this.dispatcher = new RpcDispatcher(
      {
        maxResponseBytes: this.options.maxResponseBytes,
        maxBatchLength: this.options.maxBatchLength,
        maxSubscriptionsPerConnection: this.options.maxSubscriptionsPerConnection,
      },
      this.logger,
    )
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.options.maxRequestBytes,
      perMessageDeflate: false,
    })
  }

  /** Registers a plain method. Throws `RPC_ERROR_DUPLICATE_METHOD` if the name is taken. */
  addMethod(name: string, handler: MethodHandler): void {
    this.dispatcher.addMethod(name, handler)
  }

  /** Registers a subscription kind under all its names. Throws `RPC_ERROR_DUPLICATE_METHOD` if one is taken. */
  addSubscription(spec: SubscriptionSpec): void {
    if (spec.subscribe.length === 0 || spec.unsubscribe.length === 0) {
      throw new RpcServerError('RPC_ERROR_INVALID_OPTIONS', 'a subscription needs subscribe and unsubscribe names', {
        notification: spec.notification,
      })
    }
    this.dispatcher.addSubscription(spec)
  }

  /** Every registered name, sorted: methods, subscribe and unsubscribe names, and `rpc_methods`. */
  methodNames(): string[] {
    return this.dispatcher.methodNames()
  }

  /** Binds the port. Resolves with the bound address (the real port when `port` was 0). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.http !== undefined || this.stopping !== undefined) {
      throw new RpcServerError('RPC_ERROR_ALREADY_STARTED', 'RPC server already started')
    }
    const server = createServer()
    server.on('request', (req, res) => this.onRequest(req, res))
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head))
    this.http = server
    const { host, port } = this.options
    try {
      await listen(server, port, host)
    } catch (err) {
      this.http = undefined
      throw new RpcServerError(
        'RPC_ERROR_LISTEN',
        `RPC server cannot listen on ${host}:${port}`,
        { host, port },
        {
          cause: err,
        },
      )
    }
    server.on('error', (err) => this.logger.warn({ err }, 'rpc server error'))
    const address = server.address() as AddressInfo
    return { host: address.address, port: address.port }
  }

  /**
   * Closes every WebSocket (close code 1001, then terminated after `stopGraceMs`), runs all
   * subscription cleanups, drops HTTP connections and resolves once the port is closed.
   */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    const server = this.http
    if (server === undefined) return Promise.resolve()
    this.stopping = this.shutdown(server).finally(() => {
      this.http = undefined
      this.stopping = undefined
    })
    return this.stopping
  }

  private async shutdown(server: Server): Promise<void> {
    const portClosed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const connections = [...this.connections]
    for (const connection of connections) connection.close(WS_CLOSE_GOING_AWAY, SHUTTING_DOWN_DATA)
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs)
    })
    await Promise.race([Promise.all(connections.map((c) => c.socketClosed)), grace])
    clearTimeout(timer)
    for (const connection of this.connections) connection.terminate()
    server.closeAllConnections()
    await portClosed
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.logger.debug?.({ err }, 'rpc upgrade socket error'))
    // Browsers apply no CORS to WebSockets: the server is the only guard against other sites.
    if (!originAllowed(this.options.cors, req.headers.origin)) {
      this.logger.debug?.({ origin: req.headers.origin }, 'rpc connection from a denied origin')
      const body = errorBody({ code: INVALID_REQUEST_CODE, message: ORIGIN_DENIED_MSG })
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => socket.destroy(),
      )
      return
    }
    if (this.stopping !== undefined || this.active >= this.options.maxConnections) {
      const status = this.stopping !== undefined ? 503 : 429
      const body = errorBody({
        code: SERVER_IS_BUSY_CODE,
        message: SERVER_IS_BUSY_MSG,
        data: this.stopping !== undefined ? SHUTTING_DOWN_DATA : TOO_MANY_CONNECTIONS_DATA,
      })
      this.logger.debug?.({ active: this.active }, 'rpc connection refused')
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        () => socket.destroy(),
      )
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req.socket.remoteAddress))
  }

  private onConnection(ws: WebSocket, remoteAddress: string | undefined): void {
    const connection = new WsConnection(
      ws,
      this.nextConnectionId++,
      {
        maxResponseBytes: this.options.maxResponseBytes,
        maxBufferedBytes: this.options.maxBufferedBytes,
        maxInFlight: this.options.maxInFlightPerConnection,
      },
      this.logger,
      remoteAddress,
    )
    const connectionId = connection.ctx.connectionId
    this.active++
    this.connections.add(connection)
    this.logger.debug?.({ connectionId, active: this.active }, 'rpc ws connected')
    ws.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary))
    ws.on('error', (err) => this.logger.debug?.({ err, connectionId }, 'rpc ws error'))
    ws.on('close', (code) => {
      connection.onClosed()
      this.connections.delete(connection)
      this.active--
      this.logger.debug?.({ connectionId, code }, 'rpc ws closed')
    })
  }

  private onMessage(connection: WsConnection, data: RawData, isBinary: boolean): void {
    const bytes = toBuffer(data)
    // ws has already rejected text frames that are not UTF-8; binary frames are decoded strictly.
    const input = isBinary ? bytes : bytes.toString('utf8')
    const channel: Channel = { ctx: connection.ctx, connection }
    connection.beginRequest()
    this.dispatcher
      .handleBody(input, channel)
      .then((reply) => {
        if (reply.text !== undefined) connection.write(reply.text)
        for (const sub of reply.subscriptions) sub.activate()
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'rpc ws message failed'))
      .finally(() => connection.endRequest())
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', (err) => this.logger.debug?.({ err }, 'rpc http request error'))
    res.on('error', (err) => this.logger.debug?.({ err }, 'rpc http response error'))
    const path = (req.url ?? '/').split('?', 1)[0]
    const origin = req.headers.origin
    if (!originAllowed(this.options.cors, origin)) {
      this.reject(req, res, 403, { code: INVALID_REQUEST_CODE, message: ORIGIN_DENIED_MSG })
      return
    }
    if (origin !== undefined) {
      res.setHeader('access-control-allow-origin', origin)
      res.setHeader('vary', 'origin')
    }
    if (req.method === 'OPTIONS' && origin !== undefined) {
      // The preflight a browser sends before a JSON POST.
      req.resume()
      res.writeHead(204, { 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' })
      res.end()
      return
    }
    if (req.method === 'POST') {
      if (!isJsonContentType(req.headers['content-type'])) {
        this.reject(req, res, 415, { code: INVALID_REQUEST_CODE, message: UNSUPPORTED_TYPE_MSG })
        return
      }
      this.withPermit(req, res, (ctx) => this.onPost(req, res, ctx))
    } else if (req.method === 'GET' && path === HEALTH_PATH) {
      this.withPermit(req, res, (ctx) => this.onHealth(res, ctx))
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      this.reject(req, res, 404, { code: INVALID_REQUEST_CODE, message: NOT_FOUND_MSG })
    } else {
      this.reject(req, res, 405, { code: INVALID_REQUEST_CODE, message: NOT_ALLOWED_MSG }, { allow: 'POST' })
    }
  }

  /** Answers with an error, discarding whatever body the client still sends. */
  private reject(req: IncomingMessage, res: ServerResponse, status: number, error: JsonRpcErrorObject, headers: Record<string, string> = {}): void {
    req.resume()
    sendJson(res, status, errorBody(error), headers)
  }

  /** Counts the request against `maxConnections` while it runs, or answers 429/503. */
  private withPermit(req: IncomingMessage, res: ServerResponse, run: (ctx: RpcContext) => Promise<void>): void {
    if (this.stopping !== undefined || this.active >= this.options.maxConnections) {
      const data = this.stopping !== undefined ? SHUTTING_DOWN_DATA : TOO_MANY_CONNECTIONS_DATA
      this.reject(req, res, this.stopping !== undefined ? 503 : 429, {
        code: SERVER_IS_BUSY_CODE,
        message: SERVER_IS_BUSY_MSG,
        data,
      })
      return
    }
    // The permit is held until the response is sent or the client is gone, even if a handler hangs.
    this.active++
    res.once('close', () => this.active--)
    const remoteAddress = req.socket.remoteAddress
    const ctx: RpcContext = Object.freeze({
      connectionId: this.nextConnectionId++,
      transport: 'http' as const,
      ...(remoteAddress === undefined ? {} : { remoteAddress }),
    })
    run(ctx).catch((err: unknown) => {
      this.logger.warn({ err }, 'rpc http request failed')
      sendJson(res, 500, errorBody({ code: INTERNAL_ERROR_CODE, message: INTERNAL_ERROR_MSG }))
    })
  }

  private async onPost(req: IncomingMessage, res: ServerResponse, ctx: RpcContext): Promise<void> {
    const body = await this.readBody(req)
    if (body === undefined) {
      const limit = this.options.maxRequestBytes
      this.reject(req, res, 413, { code: OVERSIZED_REQUEST_CODE, message: OVERSIZED_REQUEST_MSG, data: exceededLimit(limit) })
      return
    }
    const reply = await this.dispatcher.handleBody(body, { ctx })
    sendJson(res, 200, reply.text ?? '')
  }

  /** The whole body, or `undefined` as soon as it is known to exceed `maxRequestBytes`. */
  private readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxRequestBytes
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) return Promise.resolve(undefined)
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      const onData = (chunk: Buffer): void => {
        size += chunk.length
        if (size > limit) {
          cleanup()
          resolve(undefined)
          return
        }
        chunks.push(chunk)
      }
      const onEnd = (): void => {
        cleanup()
        resolve(Buffer.concat(chunks, size))
      }
      const onError = (err: Error): void => {
        cleanup()
        reject(err)
      }
      const cleanup = (): void => {
        req.off('data', onData)
        req.off('end', onEnd)
        req.off('error', onError)
      }
      req.on('data', onData)
      req.on('end', onEnd)
      req.on('error', onError)
    })
  }

  private async onHealth(res: ServerResponse, ctx: RpcContext): Promise<void> {
    const handler = this.dispatcher.methodHandler(SYSTEM_HEALTH_METHOD)
    if (handler === undefined) {
      sendJson(res, 404, errorBody({ code: INVALID_REQUEST_CODE, message: NOT_FOUND_MSG }))
      return
    }
    let body: string
    try {
      body = serializeValue(await handler([], ctx))
    } catch (err) {
      if (err instanceof RpcError) {
        sendJson(res, 500, errorBody(err.toJsonRpc()))
        return
      }
      throw err
    }
    sendJson(res, 200, body)
  }
}
