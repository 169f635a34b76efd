/** Streaming HTTP forwarding: request body pumped with backpressure, response piped back. */
import { type ClientRequest, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

// And what marks a browser (`origin`, `referer`, `user-agent`): W3Auth has authenticated the
// request, and a node's API refuses browser requests from origins it does not know (Kubo's CSRF
// guard, which also refuses a browser's user agent without an origin): every web page upload would fail.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'host',
  'authorization',
  'origin',
  'referer',
  'user-agent',
])

/** Request headers to send upstream: hop-by-hop ones, our `Authorization` and the browser's marks removed. */
export function forwardHeaders(req: IncomingMessage, target: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    out[name] = value
  }
  out.host = target.host
  return out
}

export interface ProxyOptions {
  target: URL
  /** Path and query to request upstream (default: the request's own). */
  path?: string
  /**
   * Called for every body chunk with the running total before it is forwarded; throw (or reject) to abort
   * the request. A returned promise holds the chunk (and pauses the client) until it settles.
   */
  onBodyChunk?: (total: number, chunk: number) => void | Promise<void>
  /** Called after each forwarded chunk with the bytes queued inside the proxy and the body bytes forwarded so far. */
  onForwarded?: (buffered: number, forwarded: number) => void
  /** Sees the upstream's answer on its way back (only when given: it adds a stream stage). */
  response?: ResponseTap
}

/** Hooks on the answer: metering, reading what the node did. */
export interface ResponseTap {
  /** Called with the status and headers before any byte is sent back. */
  onStatus?: (status: number, headers: IncomingMessage['headers']) => void
  /** Each chunk before it goes to the client; a returned promise holds it, a throw or rejection cuts the answer. */
  onChunk?: (chunk: Buffer) => void | Promise<void>
  /** After the upstream's last byte, before the client's answer ends: bytes to append (or nothing). */
  onEnd?: () => Promise<Uint8Array | undefined>
}

function tap(hooks: ResponseTap): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      let gate: void | Promise<void>
      try {
        gate = hooks.onChunk?.(chunk)
      } catch (err) {
        done(err as Error)
        return
      }
      if (gate === undefined) done(null, chunk)
      else
        gate.then(
          () => done(null, chunk),
          (err: unknown) => done(err as Error),
        )
    },
    flush(done) {
      if (hooks.onEnd === undefined) return done()
      hooks.onEnd().then(
        (tail) => done(null, tail),
        (err: unknown) => done(err as Error),
      )
    },
  })
}

/**
 * Writes the request body upstream chunk by chunk, pausing the client while the upstream queue is full.
 * A hand-written pump rather than a Transform in a pipeline: every extra stream stage costs buffering
 * and garbage per chunk, and an upload is thousands of 64 KiB chunks (it was ~40 % of the gateway's CPU).
 * Resolves when the whole body is handed to the upstream; rejects on a refused chunk or a stream error,
 * leaving the client's socket open so the caller can still answer.
 */
function pumpBody(req: IncomingMessage, upstream: ClientRequest, options: ProxyOptions, refusals: WeakSet<object>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let total = 0
    const detach = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      upstream.off('drain', onDrain)
    }
    const onError = (err: Error) => {
      detach()
      upstream.destroy()
      reject(err)
    }
    let waiting = false
    // A stream that has read its last bytes emits 'end' even while paused on a held chunk.
    let endedWhileWaiting = false
    const forward = (chunk: Buffer) => {
      const more = upstream.write(chunk)
      options.onForwarded?.(upstream.writableLength, total)
      return more
    }
    const onData = (chunk: Buffer) => {
      total += chunk.length
      let gate: void | Promise<void>
      try {
        gate = options.onBodyChunk?.(total, chunk.length)
      } catch (err) {
        refusals.add(err as Error)
        onError(err as Error)
        return
      }
      if (gate === undefined) {
        if (!forward(chunk)) req.pause()
        return
      }
      // Held: no more 'data' until the gate opens (pause() stops the flow after this event).
      waiting = true
      req.pause()
      gate.then(
        () => {
          waiting = false
          const more = forward(chunk)
          if (endedWhileWaiting) finish()
          else if (more) req.resume()
        },
        (err: unknown) => {
          refusals.add(err as Error)
          onError(err as Error)
        },
      )
    }
    const onDrain = () => {
      if (!waiting) req.resume()
    }
    const finish = () => {
      detach()
      upstream.end(resolve)
    }
    const onEnd = () => {
      if (waiting) endedWhileWaiting = true
      else finish()
    }
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', onError)
    upstream.on('drain', onDrain)
    upstream.on('error', onError)
  })
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
  const refusals = new WeakSet<object>()
  const sent = pumpBody(req, upstream, options, refusals)
  sent.catch(() => {})
  // An early upstream answer (an error before the whole body was read) must not wait for the body; and
  // an upstream that answers then closes while the body is still coming is answered with its response.
  const upRes = await Promise.race([
    answered,
    sent.then(
      () => answered,
      (err: unknown) => (refusals.has(err as object) ? Promise.reject(err) : answered),
    ),
  ])
  options.response?.onStatus?.(upRes.statusCode ?? 502, upRes.headers)
  res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers)
  await Promise.all([
    options.response === undefined ? pipeline(upRes, res) : pipeline(upRes, tap(options.response), res),
    sent.catch((err: unknown) => {
      if (!res.writableEnded) throw err
    }),
  ])
}
