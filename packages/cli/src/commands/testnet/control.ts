/**
 * The test network's control channel: a small HTTP API on loopback (state-changing, so loopback
 * only) through which a test or a chaos schedule cuts and heals hosts' links, kills and restarts
 * processes and changes the links' faults. Answers JSON; bad requests get 4xx with `{code, message}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { CliError } from '../../errors.js'

export interface TestnetControl {
  /** The network as network.json describes it (pids change with restarts). */
  info(): unknown
  cut(name: string): Promise<void>
  heal(name: string): Promise<void>
  kill(name: string, signal: NodeJS.Signals): Promise<void>
  /** A validator restarted with `clockOffsetMs` keeps that clock skew until a restart with another (0: none). */
  restart(name: string, clockOffsetMs?: number): Promise<void>
  setFaults(faults: { latencyMs?: number; jitterMs?: number; loss?: number }): Promise<void>
}

const MAX_BODY = 64 * 1024
const MAX_CLOCK_OFFSET_MS = 3_600_000
const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGSTOP', 'SIGCONT']

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new BadRequest(413, 'TESTNET_ERROR_BODY_TOO_LARGE', `request body over ${MAX_BODY} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
    return parsed as Record<string, unknown>
  } catch {
    throw new BadRequest(400, 'TESTNET_ERROR_BAD_JSON', 'the body must be a JSON object')
  }
}

function name(b: Record<string, unknown>): string {
  if (typeof b.name !== 'string') throw new BadRequest(400, 'TESTNET_ERROR_NO_NAME', 'expected {"name": "<host name>"}')
  return b.name
}

function faultNumber(b: Record<string, unknown>, key: string, max: number): number | undefined {
  const v = b[key]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
    throw new BadRequest(400, 'TESTNET_ERROR_BAD_FAULT', `${key}: expected a number 0-${max}`)
  return v
}

async function route(control: TestnetControl, req: IncomingMessage): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://control').pathname
  if (req.method === 'GET' && path === '/network') return control.info()
  if (req.method !== 'POST') throw new BadRequest(405, 'TESTNET_ERROR_METHOD', `${req.method} ${path}: expected GET /network or POST`)
  const b = await body(req)
  switch (path) {
    case '/cut':
      await control.cut(name(b))
      return { ok: true }
    case '/heal':
      await control.heal(name(b))
      return { ok: true }
    case '/kill': {
      const signal = (b.signal ?? 'SIGKILL') as NodeJS.Signals
      if (!SIGNALS.includes(signal)) throw new BadRequest(400, 'TESTNET_ERROR_BAD_SIGNAL', `signal: one of ${SIGNALS.join(', ')}`)
      await control.kill(name(b), signal)
      return { ok: true }
    }
    case '/restart': {
      const offset = b.clockOffsetMs
      if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || Math.abs(offset) > MAX_CLOCK_OFFSET_MS))
        throw new BadRequest(400, 'TESTNET_ERROR_BAD_CLOCK_OFFSET', `clockOffsetMs: an integer from -${MAX_CLOCK_OFFSET_MS} to ${MAX_CLOCK_OFFSET_MS}`)
      await control.restart(name(b), offset as number | undefined)
      return { ok: true }
    }
    case '/faults': {
      const faults = { latencyMs: faultNumber(b, 'latencyMs', 60_000), jitterMs: faultNumber(b, 'jitterMs', 60_000), loss: faultNumber(b, 'loss', 1) }
      await control.setFaults(Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)))
      return { ok: true }
    }
    default:
      throw new BadRequest(404, 'TESTNET_ERROR_NOT_FOUND', `${path}: expected /cut, /heal, /kill, /restart or /faults`)
  }
}

function answer(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(`${JSON.stringify(value)}\n`)
}

/** Serves `control` on 127.0.0.1:`port` (0: a free one); resolves with the server once it listens. */
export async function serveControl(control: TestnetControl, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    route(control, req).then(
      (value) => answer(res, 200, value),
      (err: unknown) => {
        if (err instanceof BadRequest) answer(res, err.status, { code: err.code, message: err.message })
        else if (err instanceof CliError && err.code === 'CLI_ERROR_TESTNET_UNKNOWN_HOST') answer(res, 404, { code: err.code, message: err.message })
        else answer(res, 500, { code: 'TESTNET_ERROR_INTERNAL', message: (err as Error).message })
      },
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return server
}
