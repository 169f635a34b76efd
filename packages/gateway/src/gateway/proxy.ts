/** Streaming HTTP forwarding: request body piped with backpressure, response piped back. */
import { type IncomingMessage, request, type ServerResponse } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'host', 'authorization'])

/** Request headers to send upstream: hop-by-hop ones and our `Authorization` removed. */
export function forwardHeaders(req: IncomingMessage, target: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    out[name] = value
  }
  out.host = target.host
  return out
}

/** Counts the bytes going through and lets the caller refuse a chunk (by throwing). */
export class ByteMeter extends Transform {
  bytes = 0

  constructor(private readonly onChunk: (total: number, chunk: number) => void) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.bytes += chunk.length
      this.onChunk(this.bytes, chunk.length)
      done(null, chunk)
    } catch (err) {
      done(err as Error)
    }
  }
}

export interface ProxyOptions {
  target: URL
  /** Path and query to request upstream (default: the request's own). */
  path?: string
  /** Called for every body chunk with the running total; throw to abort the request. */
  onBodyChunk?: (total: number, chunk: number) => void
  /** Called with the bytes buffered inside the proxy (meter + upstream socket queue) after each chunk. */
  onBuffered?: (bytes: number) => void
}

/** Forwards `req` to `target` (path and query kept) and streams the answer into `res`. */
export async function proxyRequest(req: IncomingMessage, res: ServerResponse, options: ProxyOptions): Promise<void> {
  const url = new URL(options.path ?? req.url ?? '/', options.target)
  const upstream = request(url, { method: req.method ?? 'GET', headers: forwardHeaders(req, options.target) })
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve)
    upstream.once('error', reject)
  })
  answered.catch(() => {})
  const meter = new ByteMeter((total, chunk) => {
    options.onBodyChunk?.(total, chunk)
    options.onBuffered?.(meter.readableLength + meter.writableLength + upstream.writableLength + chunk)
  })
  // Not pipeline(req, ...): a refused chunk must leave the client's socket open for the answer.
  req.on('error', (err) => meter.destroy(err))
  meter.on('error', () => req.unpipe(meter))
  req.pipe(meter)
  const sent = pipeline(meter, upstream)
  // An early upstream answer (an error before the whole body was read) must not wait for the body.
  const upRes = await Promise.race([answered, sent.then(() => answered)])
  res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers)
  await Promise.all([
    pipeline(upRes, res),
    sent.catch((err: unknown) => {
      if (!res.writableEnded) throw err
    }),
  ])
}
