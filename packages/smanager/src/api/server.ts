/**
 * The sManager's small loopback HTTP API: `GET /api/v0/tasks?status=` (every task, or those in one
 * status), `GET /api/v0/tasks/<cid>` (one task, 404 when unknown) and `GET /api/v0/challenges`
 * (storage challenges received, answered, passed, failed, missed; roots submitted, files declared). JSON; errors are
 * `{code, message}` with a stable `SMANAGER_API_*` code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen } from '@crust-ts/base'
import { DEFAULT_SMANAGER_API_PORT } from '../constants.js'
import type { Smanager } from '../smanager.js'
import { isTaskStatus, TASK_STATUSES } from '../store/index.js'

export interface SmanagerApiOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 12223; 0 = any free port. */
  port?: number
}

export interface SmanagerApi {
  start(): Promise<{ host: string; port: number }>
  stop(): Promise<void>
}

/** Stable codes of the API's error answers. */
export const SmanagerApiErrorCode = {
  TASK_NOT_FOUND: 'SMANAGER_API_TASK_NOT_FOUND',
  INVALID_STATUS: 'SMANAGER_API_INVALID_STATUS',
  NOT_FOUND: 'SMANAGER_API_NOT_FOUND',
  CHALLENGES_OFF: 'SMANAGER_API_CHALLENGES_OFF',
  METHOD_NOT_ALLOWED: 'SMANAGER_API_METHOD_NOT_ALLOWED',
} as const

const TASKS_PATH = '/api/v0/tasks'
const CHALLENGES_PATH = '/api/v0/challenges'

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function handle(sm: Smanager, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://smanager')
  const path = url.pathname.replace(/\/+$/, '')
  if (req.method !== 'GET') {
    send(res, 405, { code: SmanagerApiErrorCode.METHOD_NOT_ALLOWED, message: 'only GET is supported' })
    return
  }
  if (path === CHALLENGES_PATH) {
    const stats = sm.challengeStats()
    if (stats === undefined) {
      send(res, 404, { code: SmanagerApiErrorCode.CHALLENGES_OFF, message: 'this node does not answer storage challenges' })
      return
    }
    send(res, 200, stats)
    return
  }
  if (path === TASKS_PATH) {
    const status = url.searchParams.get('status')
    if (status === null || status === '') {
      send(res, 200, { tasks: sm.tasks() })
      return
    }
    if (!isTaskStatus(status)) {
      send(res, 400, { code: SmanagerApiErrorCode.INVALID_STATUS, message: `status must be one of ${TASK_STATUSES.join(', ')}`, meta: { status } })
      return
    }
    send(res, 200, { tasks: sm.tasks({ status }) })
    return
  }
  if (path.startsWith(`${TASKS_PATH}/`)) {
    const cid = decodeURIComponent(path.slice(TASKS_PATH.length + 1))
    const task = sm.task(cid)
    if (task === undefined) {
      send(res, 404, { code: SmanagerApiErrorCode.TASK_NOT_FOUND, message: 'no task for this CID', meta: { cid } })
      return
    }
    send(res, 200, task)
    return
  }
  send(res, 404, { code: SmanagerApiErrorCode.NOT_FOUND, message: `unknown endpoint ${url.pathname}` })
}

/** The HTTP API over `sm`, not yet listening. */
export function createSmanagerApi(sm: Smanager, opts: SmanagerApiOptions = {}): SmanagerApi {
  let server: Server | undefined
  return {
    async start() {
      const s = createServer((req, res) => {
        try {
          handle(sm, req, res)
        } catch (err) {
          send(res, 500, { code: 'SMANAGER_API_INTERNAL', message: err instanceof Error ? err.message : String(err) })
        }
      })
      const address = await listen(s, opts.port ?? DEFAULT_SMANAGER_API_PORT, opts.host ?? '127.0.0.1')
      server = s
      return { host: address.address, port: address.port }
    },
    async stop() {
      const s = server
      server = undefined
      if (s === undefined) return
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
        s.closeAllConnections()
      })
    },
  }
}
