/**
 * A storage node's read-only status, `GET /status` on its metrics port: the figures that live only
 * on the node (chain sync as the node sees it, its sWorker's identity, sealed files and SRD, its
 * sManager's tasks and storage challenges, its IPFS peers and their retrieval ranks), as JSON a web
 * console reads from a browser. It names no secret and changes nothing; browsers are served only
 * from allowed origins (as the chain's `--rpc-cors`), and the port is loopback unless the operator
 * says otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CrustError } from '@crust-ts/base'
import { originAllowed, type RpcCors } from '@crust-ts/chain'
import type { ChallengeStats } from '@crust-ts/smanager'
import type { NodeMode } from './config.js'

/** The shape's version: a console reading another one says so instead of misreading it. */
export const NODE_STATUS_VERSION = 1
/** Ranked peers listed when `?peers` is not given. */
export const DEFAULT_STATUS_PEERS = 20
/** The most ranked peers one request may ask for (`?peers`). */
export const MAX_STATUS_PEERS = 100

/** Count and bytes of sealed files in one status. */
export interface FileTally {
  count: number
  bytes: number
}

/** The sManager's storage-challenge counters, as metrics and the status read them. */
export type ChallengeCounters = Pick<
  ChallengeStats,
  'received' | 'answered' | 'passed' | 'failed' | 'unprovable' | 'missed' | 'declared' | 'rootsSubmitted' | 'lastAnswerMs'
>

/** What `GET /status` answers. Byte figures are numbers (exact up to 8 PiB). */
export interface NodeStatus {
  version: typeof NODE_STATUS_VERSION
  account: string
  mode: NodeMode
  /** The libp2p peer id (IPFS and, when it runs one, the node's own chain node). */
  peerId?: string
  chain: {
    best: number
    finalized: number
    /** Milliseconds since the node saw its last new best block (a following node stays near the block time). */
    lastHeadAgeMs?: number
    /** Whether the node runs its own chain node (synced over p2p) or uses a chain node's RPC. */
    ownNode: boolean
    /** Its own chain node's connected peers. */
    peers?: number
  }
  /** Absent on an owner node (it runs no sWorker). */
  sworker?: {
    /** The enclave's public key, hex: the anchor of its sWork identity. */
    identity: string
    srd: { bytes: number; units: number; unitSize: number }
    /** Sealed files by status (valid, pending, lost). */
    files: Record<string, FileTally>
    /** The last report the node tried: the slot, and why it was not sent when it was not. */
    lastReport?: { slot: number; submitted: boolean; reason?: string }
  }
  smanager?: {
    /** Tasks by status. */
    tasks: Record<string, number>
    /** Storage challenges since the node started (absent when it does not answer them). */
    challenges?: ChallengeCounters
  }
  ipfs?: {
    peers: number
    blocksReceived: number
    dataReceived: number
    /** Peers the node keeps a retrieval record of. */
    rankedPeers: number
    /** The best-ranked of them (what the node asks first), at most `?peers`. */
    ranked: Array<{ peerId: string; score: number; failures: number }>
  }
}

/** Where each part of the status comes from; `ipfs.ranked` is cut to the request's `peers`. */
export type NodeStatusSource = () => Promise<NodeStatus>

/** Stable codes of a refused status request. */
export type NodeStatusErrorCode = 'NODE_ERROR_STATUS_ORIGIN' | 'NODE_ERROR_STATUS_QUERY' | 'NODE_ERROR_STATUS_METHOD'

const STATUS_CODES: Record<NodeStatusErrorCode, number> = {
  NODE_ERROR_STATUS_ORIGIN: 403,
  NODE_ERROR_STATUS_QUERY: 400,
  NODE_ERROR_STATUS_METHOD: 405,
}

/** A status request refused: an origin not allowed, a bad query, a method other than GET. */
export class NodeStatusError extends CrustError {
  constructor(code: NodeStatusErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta)
  }

  get httpStatus(): number {
    return STATUS_CODES[this.code as NodeStatusErrorCode]
  }
}

/** The checked query of `GET /status`. */
export interface StatusQuery {
  /** Ranked peers to list, 0 to {@link MAX_STATUS_PEERS}. */
  peers: number
}

/** Checks the query string: only `peers`, a whole number 0-{@link MAX_STATUS_PEERS}. */
export function parseStatusQuery(search: URLSearchParams): StatusQuery {
  for (const key of new Set(search.keys())) {
    if (key !== 'peers') throw new NodeStatusError('NODE_ERROR_STATUS_QUERY', `unknown query parameter "${key}" (allowed: peers)`, { parameter: key })
  }
  const all = search.getAll('peers')
  if (all.length > 1) throw new NodeStatusError('NODE_ERROR_STATUS_QUERY', 'peers: give it once', { parameter: 'peers' })
  const given = all[0]
  if (given === undefined) return { peers: DEFAULT_STATUS_PEERS }
  if (!/^\d{1,3}$/.test(given) || Number(given) > MAX_STATUS_PEERS) {
    throw new NodeStatusError('NODE_ERROR_STATUS_QUERY', `peers: expected a whole number 0-${MAX_STATUS_PEERS}, got ${JSON.stringify(given.slice(0, 20))}`, {
      parameter: 'peers',
    })
  }
  return { peers: Number(given) }
}

/** The status as a request asked for it: the ranked peers cut to `query.peers`. */
export function shapeStatus(status: NodeStatus, query: StatusQuery): NodeStatus {
  if (status.ipfs === undefined) return status
  return { ...status, ipfs: { ...status.ipfs, ranked: status.ipfs.ranked.slice(0, query.peers) } }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body))

/**
 * Answers one request to `/status`: GET (and HEAD) with the status, OPTIONS as a CORS preflight;
 * a browser from an origin `cors` does not allow gets 403 (a request without `Origin`, a CLI or a
 * server, is always served), and the allowed origin is named back so the browser lets it read.
 */
export async function serveStatus(req: IncomingMessage, res: ServerResponse, read: NodeStatusSource, cors: RpcCors): Promise<void> {
  const origin = req.headers.origin
  const corsHeaders: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' }
  try {
    if (!originAllowed(cors, origin)) {
      throw new NodeStatusError('NODE_ERROR_STATUS_ORIGIN', `the origin ${origin} may not read this node's status (the node's statusCors setting)`, {
        origin,
      })
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...corsHeaders, 'access-control-allow-methods': 'GET, HEAD', 'access-control-max-age': '600' }).end()
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new NodeStatusError('NODE_ERROR_STATUS_METHOD', `the status is read-only: use GET, not ${req.method}`, { method: req.method })
    }
    const query = parseStatusQuery(new URL(req.url ?? '/', 'http://node').searchParams)
    const body = shapeStatus(await read(), query)
    json(res, 200, req.method === 'HEAD' ? undefined : body, corsHeaders)
  } catch (err) {
    if (err instanceof NodeStatusError) {
      // A refused origin learns nothing it could read: no CORS header on its answer.
      json(res, err.httpStatus, err.toObject(), err.code === 'NODE_ERROR_STATUS_ORIGIN' ? {} : corsHeaders)
      return
    }
    json(res, 500, { code: 'NODE_ERROR_STATUS', message: `cannot read the node's status: ${(err as Error).message}` }, corsHeaders)
  }
}

/** The sManager's challenge counters as the status lists them (its last error and slot stay in its own API). */
export function challengeCounters(stats: ChallengeStats): ChallengeCounters {
  const { received, answered, passed, failed, unprovable, missed, declared, rootsSubmitted, lastAnswerMs } = stats
  return { received, answered, passed, failed, unprovable, missed, declared, rootsSubmitted, ...(lastAnswerMs === undefined ? {} : { lastAnswerMs }) }
}
