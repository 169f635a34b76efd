import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { DEFAULT_RPC_CORS, originAllowed, parseRpcCors, RpcServer, RpcServerError } from '../src/node/rpc/index.js'

/** Opens a WebSocket with this Origin: resolves 'open' or the HTTP status of the refusal. */
function wsWithOrigin(url: string, origin: string | undefined): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin })
    ws.once('open', () => {
      ws.close()
      resolve('open')
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
    })
    ws.once('error', (err) => reject(err))
  })
}

/** One HTTP request with the given headers; status, headers and body. */
function http(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('RPC --rpc-cors', () => {
  it('behavior: parses all, a list, and refuses what is not an origin', () => {
    assert.equal(parseRpcCors('all'), 'all')
    assert.deepEqual(parseRpcCors('http://127.0.0.1:3001, https://example.org'), ['http://127.0.0.1:3001', 'https://example.org'])
    assert.throws(() => parseRpcCors('example.org'), RpcServerError)
    assert.throws(() => parseRpcCors('http://example.org/path'), RpcServerError)
  })

  it('behavior: origins match exactly, a :* port matches any port and the default port; no Origin is always served', () => {
    const cors = ['http://127.0.0.1:3001', 'http://localhost:*']
    assert.equal(originAllowed(cors, 'http://127.0.0.1:3001'), true)
    assert.equal(originAllowed(cors, 'http://127.0.0.1:3002'), false)
    assert.equal(originAllowed(cors, 'http://localhost:8000'), true)
    assert.equal(originAllowed(cors, 'http://localhost'), true)
    assert.equal(originAllowed(cors, 'http://localhost.evil.example:80'), false)
    assert.equal(originAllowed(cors, 'http://localhost:80x'), false)
    assert.equal(originAllowed(cors, 'https://evil.example'), false)
    assert.equal(originAllowed(cors, undefined), true)
    assert.equal(originAllowed('all', 'https://evil.example'), true)
    assert.equal(originAllowed(DEFAULT_RPC_CORS, 'https://polkadot.js.org'), true)
    assert.equal(originAllowed(DEFAULT_RPC_CORS, 'https://evil.example'), false)
  })

  describe('a server allowing one origin', () => {
    const allowed = 'http://127.0.0.1:3001'
    let server: RpcServer
    let port: number
    before(async () => {
      server = new RpcServer({ port: 0, cors: [allowed] })
      server.addMethod('echo', (params) => params)
      ;({ port } = await server.start())
    })
    after(() => server.stop())

    it('behavior: a WebSocket from the allowed origin or with no Origin opens; from another origin it gets 403', async () => {
      assert.equal(await wsWithOrigin(`ws://127.0.0.1:${port}`, allowed), 'open')
      assert.equal(await wsWithOrigin(`ws://127.0.0.1:${port}`, undefined), 'open')
      assert.equal(await wsWithOrigin(`ws://127.0.0.1:${port}`, 'https://evil.example'), 403)
    })

    it('behavior: HTTP answers the allowed origin with CORS headers (and its preflight), another origin with 403', async () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: [7] })
      const ok = await http(`http://127.0.0.1:${port}/`, 'POST', { 'content-type': 'application/json', origin: allowed }, body)
      assert.equal(ok.status, 200)
      assert.equal(ok.headers['access-control-allow-origin'], allowed)
      assert.deepEqual(JSON.parse(ok.text).result, [7])
      const preflight = await http(`http://127.0.0.1:${port}/`, 'OPTIONS', { origin: allowed, 'access-control-request-method': 'POST' })
      assert.equal(preflight.status, 204)
      assert.match(String(preflight.headers['access-control-allow-methods']), /POST/)
      const denied = await http(`http://127.0.0.1:${port}/`, 'POST', { 'content-type': 'application/json', origin: 'https://evil.example' }, body)
      assert.equal(denied.status, 403)
      assert.equal(denied.headers['access-control-allow-origin'], undefined)
      assert.match(JSON.parse(denied.text).error.message, /--rpc-cors/)
    })
  })
})
