/** The storage node's read-only status endpoint (`/status` on the metrics port): its shape, its query, its origins. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Gauge, Registry } from 'prom-client'
import { type MetricsServer, startMetricsServer } from '../src/metrics.js'
import { MAX_STATUS_PEERS, type NodeStatus, NodeStatusError, parseStatusQuery, statusCorsOf } from '../src/index.js'
import { NodeConfigError } from '../src/config.js'

const CONSOLE = 'http://127.0.0.1:3001'

function status(best: number): NodeStatus {
  return {
    version: 1,
    account: 'cTGVGrzt6hGFMYhtwLUWvUj8DTmRh4Ew5y8QfTyqDtpwGLVdA',
    mode: 'isolation',
    peerId: '12D3KooWExample',
    chain: { best, finalized: best - 2, lastHeadAgeMs: 400, ownNode: true, peers: 3 },
    sworker: {
      identity: `0x${'ab'.repeat(32)}`,
      srd: { bytes: 32 * 1024 * 1024, units: 2, unitSize: 16 * 1024 * 1024 },
      files: { valid: { count: 2, bytes: 4096 }, pending: { count: 0, bytes: 0 }, lost: { count: 0, bytes: 0 } },
      lastReport: { slot: 20, submitted: true },
    },
    smanager: { tasks: { sealed: 2 } },
    ipfs: {
      peers: 4,
      blocksReceived: 9,
      dataReceived: 9000,
      rankedPeers: 30,
      ranked: Array.from({ length: 30 }, (_, i) => ({ peerId: `peer-${i}`, score: 1 - i / 100, failures: i })),
    },
  }
}

describe('storage node status endpoint', () => {
  let server: MetricsServer
  let base: string
  let best = 100
  before(async () => {
    const registry = new Registry()
    new Gauge({ name: 'crust_test_stored_bytes', help: 'A metric to scrape.', registers: [registry] }).set(4096)
    server = await startMetricsServer(registry, {
      port: 0,
      status: { read: async () => status(best), cors: ['http://127.0.0.1:*', 'https://console.example'] },
    })
    base = `http://127.0.0.1:${server.address.port}`
  })
  after(() => server.stop())

  it('behavior: GET /status answers the current status as JSON, read per request, with 20 ranked peers by default', async () => {
    best = 120
    const res = await fetch(`${base}/status`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(res.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS header')
    const body = (await res.json()) as NodeStatus
    assert.equal(body.chain.best, 120)
    assert.equal(body.chain.finalized, 118)
    assert.equal(body.sworker?.srd.units, 2)
    assert.equal(body.ipfs?.rankedPeers, 30)
    assert.deepEqual(
      body.ipfs?.ranked.map((p) => p.peerId),
      Array.from({ length: 20 }, (_, i) => `peer-${i}`),
    )
    best = 121
    assert.equal(((await (await fetch(`${base}/status`)).json()) as NodeStatus).chain.best, 121)
  })

  it('behavior: ?peers lists that many ranked peers (0 lists none)', async () => {
    const five = (await (await fetch(`${base}/status?peers=5`)).json()) as NodeStatus
    assert.equal(five.ipfs?.ranked.length, 5)
    assert.equal(five.ipfs?.ranked[4]?.peerId, 'peer-4')
    const none = (await (await fetch(`${base}/status?peers=0`)).json()) as NodeStatus
    assert.deepEqual(none.ipfs?.ranked, [])
    assert.equal(none.ipfs?.rankedPeers, 30, 'the count stays')
  })

  it('behavior: an allowed browser origin is named back (so the page may read it), and its preflight passes', async () => {
    const res = await fetch(`${base}/status`, { headers: { origin: CONSOLE } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('access-control-allow-origin'), CONSOLE)
    const preflight = await fetch(`${base}/status`, { method: 'OPTIONS', headers: { origin: 'https://console.example' } })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://console.example')
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/)
  })

  it('error: another origin gets 403 NODE_ERROR_STATUS_ORIGIN, with no CORS header and no status', async () => {
    for (const method of ['GET', 'OPTIONS']) {
      const res = await fetch(`${base}/status`, { method, headers: { origin: 'https://evil.example' } })
      assert.equal(res.status, 403, method)
      assert.equal(res.headers.get('access-control-allow-origin'), null)
      const body = (await res.json()) as { code: string; message: string }
      assert.equal(body.code, 'NODE_ERROR_STATUS_ORIGIN')
      assert.match(body.message, /https:\/\/evil\.example/)
      assert.doesNotMatch(JSON.stringify(body), /peer-0|srd/)
    }
  })

  it('error: a bad query is 400 NODE_ERROR_STATUS_QUERY naming the parameter; a write is 405 NODE_ERROR_STATUS_METHOD', async () => {
    for (const query of ['peers=abc', 'peers=-1', `peers=${MAX_STATUS_PEERS + 1}`, 'peers=1.5', 'peers=1&peers=2', 'verbose=1']) {
      const res = await fetch(`${base}/status?${query}`, { headers: { origin: CONSOLE } })
      assert.equal(res.status, 400, query)
      const body = (await res.json()) as { code: string; meta: { parameter: string } }
      assert.equal(body.code, 'NODE_ERROR_STATUS_QUERY', query)
      assert.equal(body.meta.parameter, query.startsWith('verbose') ? 'verbose' : 'peers', query)
      assert.equal(res.headers.get('access-control-allow-origin'), CONSOLE, 'the page may read why')
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/status`, { method })
      assert.equal(res.status, 405, method)
      assert.equal(((await res.json()) as { code: string }).code, 'NODE_ERROR_STATUS_METHOD')
    }
    assert.equal((await fetch(`${base}/other`)).status, 404)
  })

  it('behavior: GET /metrics is served to the allowed origins (named back) and to requests without Origin; another origin gets 403 NODE_ERROR_METRICS_ORIGIN with no CORS header and no metrics', async () => {
    const scrape = await fetch(`${base}/metrics`)
    assert.equal(scrape.status, 200)
    assert.equal(scrape.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS header')
    assert.match(await scrape.text(), /crust_test_stored_bytes 4096/)
    for (const origin of [CONSOLE, 'https://console.example']) {
      const res = await fetch(`${base}/metrics`, { headers: { origin } })
      assert.equal(res.status, 200, origin)
      assert.equal(res.headers.get('access-control-allow-origin'), origin)
      assert.match(await res.text(), /crust_test_stored_bytes 4096/)
    }
    const preflight = await fetch(`${base}/metrics`, { method: 'OPTIONS', headers: { origin: CONSOLE } })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers.get('access-control-allow-origin'), CONSOLE)
    for (const method of ['GET', 'OPTIONS']) {
      for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example:3001', 'null']) {
        const res = await fetch(`${base}/metrics`, { method, headers: { origin } })
        assert.equal(res.status, 403, `${method} from ${origin}`)
        assert.equal(res.headers.get('access-control-allow-origin'), null)
        const body = await res.text()
        assert.equal((JSON.parse(body) as { code: string }).code, 'NODE_ERROR_METRICS_ORIGIN')
        assert.doesNotMatch(body, /crust_test_stored_bytes 4096/)
      }
    }
  })

  it("behavior: without a status endpoint, /metrics admits the chain RPC's default origins (local pages) only", async () => {
    const bare = await startMetricsServer(new Registry(), { port: 0 })
    try {
      const at = `http://127.0.0.1:${bare.address.port}/metrics`
      assert.equal((await fetch(at, { headers: { origin: 'http://localhost:3001' } })).status, 200)
      assert.equal((await fetch(at, { headers: { origin: 'https://evil.example' } })).status, 403)
    } finally {
      await bare.stop()
    }
  })

  it('error: parseStatusQuery throws NodeStatusError; the config refuses a statusCors that is not a list of origins', () => {
    assert.throws(
      () => parseStatusQuery(new URLSearchParams('peers=x')),
      (err: unknown) => err instanceof NodeStatusError && err.httpStatus === 400,
    )
    assert.deepEqual(parseStatusQuery(new URLSearchParams('')), { peers: 20 })
    assert.equal(statusCorsOf({ statusCors: 'all' }), 'all')
    assert.deepEqual(statusCorsOf({ statusCors: 'https://a.example, http://localhost:*' }), ['https://a.example', 'http://localhost:*'])
    assert.throws(
      () => statusCorsOf({ statusCors: 'not an origin' }),
      (err: unknown) => err instanceof NodeConfigError && /^statusCors: "not an origin" is not an origin/.test(err.message),
    )
  })
})
