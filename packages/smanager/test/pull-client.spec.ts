import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { KuboPullClient } from '../src/ipfs/index.js'
import { channel, startServer, type TestServer } from './fixtures/http.js'

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'

describe('ipfs: pull client', () => {
  let server: TestServer
  let client: KuboPullClient

  before(async () => {
    server = await startServer()
    client = new KuboPullClient(`${server.url}/`)
  })

  after(async () => {
    await server.close()
  })

  it('behavior: follows Progress lines and resolves with the block count on {Pins}', async () => {
    server.handler = (_req, res) => {
      channel(res)
      res.write('{}\n{"Progress":2}\n')
      res.write('{"Progress":5}\n{"Progress":5}\n')
      res.end(`{"Pins":["${CID}"]}\n`)
    }
    const seen: number[] = []
    const result = await client.pull(CID, { idleTimeoutMs: 60_000, onProgress: (n) => seen.push(n) })
    assert.deepEqual(result, { blocks: 5 })
    assert.deepEqual(seen, [2, 5], 'reported when the count grows')
    assert.equal(server.requests.at(-1), `POST /api/v0/pin/add?arg=${CID}&progress=true`)
  })

  it('error: a pull whose block count stops growing fails with SMANAGER_ERROR_PULL_IDLE_TIMEOUT', async () => {
    let closed!: () => void
    const requestClosed = new Promise<void>((resolve) => {
      closed = resolve
    })
    let ticker: NodeJS.Timeout | undefined
    server.handler = (req, res) => {
      channel(res)
      res.write('{"Progress":3}\n')
      // Kubo keeps ticking with the same count while a block cannot be found
      ticker = setInterval(() => res.write('{"Progress":3}\n'), 20)
      req.on('close', () => {
        clearInterval(ticker)
        closed()
      })
    }
    const seen: number[] = []
    await assert.rejects(
      client.pull(CID, { idleTimeoutMs: 300, onProgress: (n) => seen.push(n) }),
      (err: Error & { code?: string; meta?: Record<string, unknown> }) => {
        assert.equal(err.code, 'SMANAGER_ERROR_PULL_IDLE_TIMEOUT')
        assert.equal(err.meta?.blocks, 3)
        return true
      },
    )
    assert.deepEqual(seen, [3])
    await requestClosed
  })

  it('behavior: a slow pull that keeps making progress is not timed out, however long it takes', async () => {
    const idleTimeoutMs = 200
    let sent = 0
    server.handler = (_req, res) => {
      channel(res)
      // a new block every ~idle/2: the whole pull lasts several idle periods
      const timer = setInterval(() => {
        sent++
        if (sent <= 8) res.write(`{"Progress":${sent}}\n`)
        else {
          clearInterval(timer)
          res.end(`{"Pins":["${CID}"]}\n`)
        }
      }, idleTimeoutMs / 2)
    }
    const result = await client.pull(CID, { idleTimeoutMs })
    assert.deepEqual(result, { blocks: 8 })
  })

  it('error: a Kubo error answer fails with SMANAGER_ERROR_PULL_FAILED and its message', async () => {
    server.handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ Message: 'pin: invalid path "x"', Code: 0, Type: 'error' }))
    }
    await assert.rejects(client.pull(CID, { idleTimeoutMs: 60_000 }), { code: 'SMANAGER_ERROR_PULL_FAILED', message: 'pin/add failed: pin: invalid path "x"' })
  })

  it('error: a stream that ends without {Pins} fails with SMANAGER_ERROR_PULL_FAILED', async () => {
    server.handler = (_req, res) => {
      channel(res)
      res.end('{"Progress":1}\n')
    }
    await assert.rejects(client.pull(CID, { idleTimeoutMs: 60_000 }), { code: 'SMANAGER_ERROR_PULL_FAILED' })
  })

  it('error: an aborted pull fails with SMANAGER_ERROR_ABORTED', async () => {
    server.handler = (_req, res) => {
      channel(res)
      res.write('{}\n')
    }
    const controller = new AbortController()
    const pulling = client.pull(CID, { idleTimeoutMs: 60_000, signal: controller.signal })
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    await assert.rejects(pulling, { code: 'SMANAGER_ERROR_ABORTED' })
  })

  it('behavior: unpin tells removed from not pinned, and fails on other errors', async () => {
    server.handler = (req, res) => {
      if (req.url?.includes('removed') === true) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"Pins":["removed"]}\n')
        return
      }
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ Message: req.url?.includes('other') === true ? 'boom' : 'not pinned or pinned indirectly', Code: 0, Type: 'error' }))
    }
    assert.equal(await client.unpin('removed'), 'removed')
    assert.equal(await client.unpin(CID), 'notPinned')
    await assert.rejects(client.unpin('other'), { code: 'SMANAGER_ERROR_UNPIN_FAILED' })
  })
})
