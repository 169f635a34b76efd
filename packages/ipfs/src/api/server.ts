/**
 * The Kubo RPC API on node:http. Request handling follows go-ipfs-cmds' HTTP handler: path prefix
 * check (404), method check (405), CSRF checks on `Origin`/`Referer`/`User-Agent` (403), command
 * lookup (404), option and argument parsing (400, plain text), then the command runs and answers
 * through a {@link ResponseEmitter}.
 */
import { listen } from '@crust-ts/base'
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { pino } from 'pino'
import type { IpfsNode } from '../interface.js'
import { CommandBlocks } from './blocks.js'
import { parseArguments, parseOptions } from './command.js'
import { RESPONSE_BUFFER_BYTES } from '../gateway/constants.js'
import { COMMANDS } from './commands/index.js'
import { ALLOW_HEADER_VALUE, API_PREFIX, DRAIN_LIMIT_BYTES, LINGER_GRACE_MS } from './constants.js'
import { lingerAfterAnswer } from './linger.js'
import { type ApiEnv, type CommandContext, type CommandDef, cidEncoder } from './context.js'
import { parseGoDuration } from './duration.js'
import { KuboApiError, KuboApiServerError, ResponseClosedError, toKuboApiError } from './errors.js'
import type { KuboApiAddress, KuboApiServer } from './interface.js'
import { GcLock } from './locks.js'
import { MultipartReader } from './multipart.js'
import { DEFAULT_LOCAL_ORIGINS, type KuboApiServerInit, type KuboApiServerOptions, resolveKuboApiServerOptions } from './options.js'
import { ResponseEmitter, writePlainError } from './response.js'

interface CommandNode {
  command: CommandDef | undefined
  children: Map<string, CommandNode>
}

function buildTree(table: Record<string, CommandDef>): CommandNode {
  const root: CommandNode = { command: undefined, children: new Map() }
  for (const [path, command] of Object.entries(table)) {
    let node = root
    for (const name of path.split('/')) {
      let child = node.children.get(name)
      if (child === undefined) {
        child = { command: undefined, children: new Map() }
        node.children.set(name, child)
      }
      node = child
    }
    node.command = command
  }
  return root
}

/** Parameters of {@link createKuboApiServer}. */
export type CreateKuboApiServerParameters = [node: IpfsNode, init?: KuboApiServerInit]
/** What {@link createKuboApiServer} returns. */
export type CreateKuboApiServerReturnType = KuboApiServer
/** Errors {@link createKuboApiServer} (invalid options) and `start()` (listen failure) throw. */
export type CreateKuboApiServerErrorType = KuboApiServerError

/** Creates the Kubo-compatible RPC API server of a node (not listening until `start()`). */
export function createKuboApiServer(...[node, init = {}]: CreateKuboApiServerParameters): CreateKuboApiServerReturnType {
  return new DefaultKuboApiServer(node, init)
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true
  const length = req.headers['content-length']
  return length !== undefined && length !== '0'
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
}

/** The Kubo RPC API server (see {@link createKuboApiServer}). */
export class DefaultKuboApiServer implements KuboApiServer {
  private readonly options: KuboApiServerOptions
  private readonly env: ApiEnv
  private readonly tree: CommandNode
  private server: Server | undefined
  private stopping: Promise<void> | undefined
  private stopController = new AbortController()
  private allowedOrigins = new Set<string>()
  private readonly inFlight = new Set<Promise<void>>()

  constructor(node: IpfsNode, init: KuboApiServerInit = {}) {
    this.options = resolveKuboApiServerOptions(init)
    const log = init.logger?.forComponent('ipfs:api') ?? pino({ level: 'silent' })
    this.env = { node, options: this.options, log, gcLock: new GcLock((fn) => node.withPinLock(fn)) }
    this.tree = buildTree(COMMANDS)
  }

  async start(): Promise<KuboApiAddress> {
    if (this.server !== undefined || this.stopping !== undefined) {
      throw new KuboApiServerError('IPFS_API_ERROR_ALREADY_STARTED', 'Kubo API server already started')
    }
    const server = createServer({
      maxHeaderSize: this.options.maxHeaderBytes,
      // uploads of many GiB may take long; per-request deadlines come from the `timeout` option
      requestTimeout: 0,
      // answers stream blocks of 256 KiB: see RESPONSE_BUFFER_BYTES
      highWaterMark: RESPONSE_BUFFER_BYTES,
    })
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res))
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket))
    this.server = server
    this.stopController = new AbortController()
    const { host, port } = this.options
    try {
      await listen(server, port, host)
    } catch (err) {
      this.server = undefined
      throw new KuboApiServerError('IPFS_API_ERROR_LISTEN', `Kubo API cannot listen on ${host}:${port}`, { host, port }, err)
    }
    server.on('error', (err) => this.env.log.warn({ err }, 'api server error'))
    const address = server.address() as AddressInfo
    const origins = this.options.allowedOrigins ?? DEFAULT_LOCAL_ORIGINS
    this.allowedOrigins = new Set(origins.map((o) => o.replaceAll('<port>', String(address.port))))
    this.env.log.info({ host: address.address, port: address.port }, 'kubo api listening')
    return { host: address.address, port: address.port }
  }

  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    const server = this.server
    if (server === undefined) return Promise.resolve()
    this.stopping = this.shutdown(server).finally(() => {
      this.server = undefined
      this.stopping = undefined
    })
    return this.stopping
  }

  private async shutdown(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs)
    })
    await Promise.race([Promise.allSettled([...this.inFlight]), grace])
    clearTimeout(timer)
    this.stopController.abort()
    server.closeAllConnections()
    await closed
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request']
    const body = `${status} ${text}`
    this.env.log.debug({ err: err.message, status }, 'api client error')
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const task = this.handle(req, res)
      .catch((err: unknown) => {
        this.env.log.error({ err }, 'api request failed')
        if (!res.headersSent) writePlainError(res, 500, 'internal error')
        else res.destroy()
      })
      .finally(() => this.inFlight.delete(task))
    this.inFlight.add(task)
  }

  /** Kubo's CSRF protection: browser requests must come from an allowed origin. */
  private allowed(req: IncomingMessage): boolean {
    const allowAll = this.allowedOrigins.has('*')
    const origin = req.headers.origin
    if (origin !== undefined && origin !== '' && !allowAll && !this.allowedOrigins.has(origin)) return false
    const referer = req.headers.referer
    if (referer !== undefined && referer !== '') {
      let refOrigin: string
      try {
        const u = new URL(referer)
        refOrigin = `${u.protocol}//${u.host}`
      } catch {
        return false
      }
      if (!allowAll && !this.allowedOrigins.has(refOrigin)) return false
    }
    if ((origin === undefined || origin === '') && (referer === undefined || referer === '')) {
      const ua = req.headers['user-agent'] ?? ''
      if (!ua.includes('Electron') && ua.startsWith('Mozilla')) return false
    }
    return true
  }

  private corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
    const origin = req.headers.origin
    if (origin === undefined || origin === '') return {}
    return { 'Access-Control-Allow-Origin': this.allowedOrigins.has('*') ? '*' : origin, Vary: 'Origin' }
  }

  private lookup(path: string): { command: CommandDef; pathArg: string | undefined } | undefined {
    const segments = path.split('/')
    let node = this.tree
    for (const name of segments.slice(0, -1)) {
      const child = node.children.get(name)
      if (child === undefined) return undefined
      node = child
    }
    const last = segments[segments.length - 1]!
    const sub = node.children.get(last)
    if (sub !== undefined) return sub.command === undefined ? undefined : { command: sub.command, pathArg: undefined }
    // like go-ipfs-cmds, a last segment that is no subcommand is an argument of a runnable command
    return node.command === undefined ? undefined : { command: node.command, pathArg: last }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      path = url.pathname
    }
    if (!path.startsWith(API_PREFIX)) return this.reject(req, res, KuboApiError.notFound())
    if (req.method === 'OPTIONS') {
      const headers: OutgoingHttpHeaders = { Allow: ALLOW_HEADER_VALUE }
      if (req.headers.origin !== undefined && this.allowed(req)) {
        Object.assign(headers, this.corsHeaders(req), {
          'Access-Control-Allow-Methods': 'GET, POST, PUT',
          'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '',
        })
      }
      res.writeHead(204, headers)
      res.end()
      return
    }
    if (req.method !== 'POST') return this.reject(req, res, KuboApiError.methodNotAllowed(), { Allow: ALLOW_HEADER_VALUE })
    if (!this.allowed(req)) {
      this.env.log.warn({ url: req.url }, 'api blocked request (possible CSRF)')
      return this.reject(req, res, KuboApiError.forbidden())
    }
    const found = this.lookup(path.slice(API_PREFIX.length).replace(/^\//, ''))
    if (found === undefined) return this.reject(req, res, KuboApiError.notFound())
    const { command, pathArg } = found

    const given = pathArg === undefined ? [] : [pathArg]
    given.push(...url.searchParams.getAll('arg'))
    let ctxInit: Pick<CommandContext, 'args' | 'options' | 'encodeCid'>
    let timeoutMs: number | undefined
    let requiredFile: string | undefined
    try {
      const options = parseOptions(url.searchParams, command.options, KuboApiError.badRequest)
      const parsed = parseArguments(given, command.args, KuboApiError.badRequest)
      requiredFile = parsed.requiredFile
      const timeout = options.string('timeout')
      if (timeout !== undefined) {
        timeoutMs = parseGoDuration(timeout)
        if (timeoutMs === undefined) throw KuboApiError.badRequest(`time: invalid duration ${JSON.stringify(timeout)}`)
      }
      let encodeCid: CommandContext['encodeCid']
      try {
        encodeCid = cidEncoder(options.string('cid-base'), options.bool('upgrade-cidv0-in-output'))
      } catch (err) {
        throw KuboApiError.command((err as Error).message)
      }
      ctxInit = { args: parsed.args, options, encodeCid }
    } catch (err) {
      return this.reject(req, res, toKuboApiError(err))
    }

    const withBody = hasBody(req)
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (withBody && declared > this.options.maxBodyBytes) {
      return this.reject(req, res, KuboApiError.bodyTooLarge(this.options.maxBodyBytes))
    }
    const client = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) client.abort(new ResponseClosedError())
    })
    const takesFiles = command.args.some((a) => a.kind === 'file')
    let files: MultipartReader | undefined
    if (takesFiles && withBody && mediaType(req.headers['content-type']) === 'multipart/form-data') {
      try {
        files = MultipartReader.create(req, req.headers['content-type']!, client.signal, this.options.maxBodyBytes)
      } catch (err) {
        return this.reject(req, res, toKuboApiError(err))
      }
    }
    if (requiredFile !== undefined && files === undefined) {
      return this.reject(req, res, KuboApiError.badRequest(`file argument '${requiredFile}' is required`))
    }

    const signals = [client.signal, this.stopController.signal]
    const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(0, timeoutMs))
    if (deadline !== undefined) signals.push(deadline)
    const signal = AbortSignal.any(signals)
    const out = new ResponseEmitter(req, res, () => !withBody || req.complete, this.corsHeaders(req))
    const ctx: CommandContext = {
      env: this.env,
      node: this.env.node,
      ...ctxInit,
      files,
      out,
      signal,
      blocks: new CommandBlocks(this.env.node.helia.blockstore, this.env.node.fetchTimeoutMs, signal),
    }
    this.env.log.debug({ url: req.url }, 'api request')
    try {
      await command.run(ctx)
      out.end()
    } catch (err) {
      if (err instanceof ResponseClosedError || client.signal.aborted) {
        this.env.log.debug({ url: req.url }, 'api client went away')
        res.destroy()
      } else {
        let error = toKuboApiError(err)
        if (deadline?.aborted === true) error = KuboApiError.command('context deadline exceeded', err)
        else if (this.stopController.signal.aborted) error = KuboApiError.command('api server is shutting down', err)
        if (error.status >= 500) this.env.log.debug({ err, url: req.url }, 'api command failed')
        out.fail(error)
      }
    } finally {
      if (withBody && !req.complete) this.drain(req, res)
    }
  }

  /** Answers before the command ran (plain text or JSON error) and lets the body go. */
  private reject(req: IncomingMessage, res: ServerResponse, err: KuboApiError, headers: OutgoingHttpHeaders = {}): void {
    const incomplete = hasBody(req) && !req.complete
    const extra: OutgoingHttpHeaders = { ...headers, ...this.corsHeaders(req), ...(incomplete ? { Connection: 'close' } : {}) }
    if (err.plain) {
      writePlainError(res, err.status, err.message, extra)
    } else {
      const out = new ResponseEmitter(req, res, () => !incomplete, extra)
      out.fail(err)
    }
    if (incomplete) this.drain(req, res)
  }

  /**
   * After an answer that left part of the body unread: read (and drop) up to a few MiB so the
   * client gets to read the answer, then close the connection without resetting it (see linger.ts).
   */
  private drain(req: IncomingMessage, res: ServerResponse): void {
    lingerAfterAnswer(req, { maxBytes: DRAIN_LIMIT_BYTES, graceMs: LINGER_GRACE_MS })
    const close = (): void => {
      if (!req.complete) req.socket.destroySoon()
    }
    if (res.writableFinished) close()
    else res.once('finish', close)
  }
}
