/**
 * Prometheus metrics for a storage node: one registry, gauges read from their sources at scrape
 * time (so a metric never goes stale between a change and the next scrape), served at /metrics.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { DEFAULT_RPC_CORS, originAllowed, type RpcCors } from '@crust-ts/chain'
import { type ChallengeCounters, type NodeStatusSource, serveStatus } from './status.js'

/** Where each metric's value comes from; a node without an sWorker (owner mode) leaves those out. */
export interface MetricSources {
  bestBlock(): number
  srdBytes?(): number
  /** Count and bytes of sealed files per status (valid, pending, lost). */
  files?(): Record<string, { count: number; bytes: number }>
  ipfsPeers?(): number
  /** sManager tasks per status. */
  tasks?(): Record<string, number>
  /** Storage challenges the sManager handled (absent when it does not answer them). */
  challenges?(): ChallengeCounters | undefined
  /** What the IPFS node fetched from peers and how it ranks them (best first). */
  retrieval?(): Promise<{ blocksReceived: number; dataReceived: number; peers: Array<{ peerId: string; score: number; failures: number }> }>
}

/** The counters exported as `crust_smanager_challenges{outcome}`. */
const CHALLENGE_OUTCOMES = ['received', 'answered', 'passed', 'failed', 'unprovable', 'missed', 'declared', 'rootsSubmitted'] as const

/** The best-ranked peers exported one by one (a peer label per peer: bounded, not every peer ever seen). */
export const TOP_RANKED_PEERS = 20

export function createMetricsRegistry(sources: MetricSources): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const gauge = (name: string, help: string, collect: (g: Gauge) => void | Promise<void>, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        return collect(this)
      },
    })
  gauge('crust_chain_best_block', 'Best block number seen from the chain', (g) => g.set(sources.bestBlock()))
  const { srdBytes, files, ipfsPeers } = sources
  if (srdBytes !== undefined) gauge('crust_sworker_srd_bytes', 'Spare room declared (sealed random data) in bytes', (g) => g.set(srdBytes()))
  if (files !== undefined) {
    gauge(
      'crust_sworker_files',
      'Sealed files by status',
      (g) => {
        for (const [status, v] of Object.entries(files())) g.set({ status }, v.count)
      },
      ['status'],
    )
    gauge(
      'crust_sworker_files_bytes',
      'Bytes of sealed files by status',
      (g) => {
        for (const [status, v] of Object.entries(files())) g.set({ status }, v.bytes)
      },
      ['status'],
    )
  }
  if (ipfsPeers !== undefined) gauge('crust_ipfs_peers', 'Connected IPFS peers', (g) => g.set(ipfsPeers()))
  const tasks = sources.tasks
  if (tasks !== undefined) {
    gauge(
      'crust_smanager_tasks',
      'sManager tasks by status',
      (g) => {
        g.reset()
        for (const [status, n] of Object.entries(tasks())) g.set({ status }, n)
      },
      ['status'],
    )
  }
  const challenges = sources.challenges
  if (challenges !== undefined) {
    gauge(
      'crust_smanager_challenges',
      'Storage challenges since the node started: received, answered, passed, failed, unprovable, missed; files declared lost, roots submitted',
      (g) => {
        const c = challenges()
        if (c === undefined) return
        for (const outcome of CHALLENGE_OUTCOMES) g.set({ outcome }, c[outcome])
      },
      ['outcome'],
    )
    gauge('crust_smanager_challenge_answer_ms', 'Milliseconds from seeing the last answered challenge set to its answer in a block', (g) => {
      const ms = challenges()?.lastAnswerMs
      if (ms !== undefined) g.set(ms)
    })
  }
  const retrieval = sources.retrieval
  if (retrieval !== undefined) {
    gauge('crust_ipfs_blocks_received', 'Blocks received from peers since the node started', async (g) => g.set((await retrieval()).blocksReceived))
    gauge('crust_ipfs_bytes_received', 'Bytes of blocks received from peers since the node started', async (g) => g.set((await retrieval()).dataReceived))
    gauge('crust_ipfs_ranked_peers', 'Peers the node keeps a retrieval record of', async (g) => g.set((await retrieval()).peers.length))
    gauge(
      'crust_ipfs_peer_score',
      `Retrieval score of the ${TOP_RANKED_PEERS} best-ranked peers (what the node asks first)`,
      async (g) => {
        g.reset()
        for (const p of (await retrieval()).peers.slice(0, TOP_RANKED_PEERS)) g.set({ peer: p.peerId }, p.score)
      },
      ['peer'],
    )
  }
  return registry
}

export interface MetricsServer {
  address: { host: string; port: number }
  stop(): Promise<void>
}

/** The read-only status served next to the metrics (`/status`), and the browser origins allowed to read it. */
export interface StatusEndpoint {
  read: NodeStatusSource
  cors: RpcCors
}

/**
 * Serves the registry at GET /metrics and, when given, the node's status at /status (loopback by
 * default: both tell what the node stores). Browsers read either from the status endpoint's allowed
 * origins only (the chain RPC's default without one): another origin's request is refused with 403
 * and no CORS header, before anything is read. Prometheus and other servers send no `Origin`.
 */
export async function startMetricsServer(registry: Registry, opts: { host?: string; port: number; status?: StatusEndpoint }): Promise<MetricsServer> {
  const status = opts.status
  const cors = status?.cors ?? DEFAULT_RPC_CORS
  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0]
    if (path === '/status' && status !== undefined) {
      void serveStatus(req, res, status.read, status.cors)
      return
    }
    const origin = req.headers.origin
    if (path === '/metrics' && !originAllowed(cors, origin)) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          code: 'NODE_ERROR_METRICS_ORIGIN',
          message: `the origin ${origin} may not read this node's metrics (the node's statusCors setting)`,
        }),
      )
      return
    }
    const corsHeaders: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' }
    if (path === '/metrics' && req.method === 'OPTIONS') {
      res.writeHead(204, { ...corsHeaders, 'access-control-allow-methods': 'GET', 'access-control-max-age': '600' }).end()
      return
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'NODE_ERROR_NOT_FOUND', message: `served here: GET /metrics${status === undefined ? '' : ', GET /status'}` }))
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, ...corsHeaders }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NODE_ERROR_METRICS', message: String(err) })),
    )
  })
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    address: { host, port },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
