/**
 * Serves the console: the built page (`dist/web`) as static files and `/config.json`, the
 * endpoints it connects to. No state of its own: the page talks to the chain's JSON-RPC and the
 * W3Auth gateway directly.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listen } from '@crust-ts/base'
import type { ConsoleConfig } from './config.js'

/** Where the bundle step writes the page. */
export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

export interface ConsoleServerInit {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string
  /** TCP port; 0 picks a free one. */
  port: number
  /**
   * The endpoints the page connects to, read on each `/config.json` request: `undefined` while
   * they are not known yet (the page then says the network is starting).
   */
  config: () => ConsoleConfig | undefined
  /** Folder of the built page; default {@link WEB_ROOT}. */
  root?: string
}

/** The console's static file server. */
export class ConsoleServer {
  private server: Server | undefined
  private readonly root: string

  constructor(private readonly init: ConsoleServerInit) {
    this.root = init.root ?? WEB_ROOT
  }

  /** Binds the port; resolves with the page's URL. */
  async start(): Promise<{ host: string; port: number; url: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('internal error')
      })
    })
    await listen(server, this.init.port, this.init.host ?? '127.0.0.1')
    this.server = server
    const { address, port } = server.address() as AddressInfo
    return { host: address, port, url: `http://${address}:${port}/` }
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed')
      return
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://console').pathname)
    if (path === '/config.json') {
      const config = this.init.config()
      if (config === undefined) {
        res.writeHead(503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ error: 'the network is starting' }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(config))
      return
    }
    // Routes live after `#`, so every other path is a file of the bundle.
    const file = normalize(join(this.root, path === '/' ? 'index.html' : path))
    if (!file.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    let body: Buffer
    try {
      body = await readFile(file)
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR'
      if (missing && path === '/') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('the console is not built: run `npm run build` in the crust-ts checkout')
        return
      }
      res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain' }).end(missing ? 'not found' : 'cannot read the file')
      return
    }
    // Chunk names carry their content hash: cache them; the page itself is always fresh.
    const cache = /-[A-Z0-9]{8}\.js$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache'
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': cache,
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}
