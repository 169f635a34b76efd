/** The SDK's Kubo RPC client against a loopback server that answers as Kubo does. */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createKuboClient, KuboError, SdkError } from '../src/index.js'

const CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'

describe('kubo client', () => {
  let url = ''
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`.trim())
    handler(req, res)
  })

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const json =
    (body: unknown, status = 200) =>
    (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }

  it('behavior: pin add streams progress and resolves with the pins; arguments go out as Kubo names them', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-chunked-output': '1' })
      res.write('{"Progress":1}\n{"Progress":4}\n{"Progress":4}\n')
      res.end(`{"Pins":["${CID}"]}\n`)
    }
    const seen: number[] = []
    const kubo = createKuboClient({ url, headers: { authorization: 'Bearer t' } })
    assert.deepEqual(await kubo.pin.add(CID, { progress: (n) => seen.push(n) }), { pins: [CID], blocks: 4 })
    assert.deepEqual(seen, [1, 4])
    assert.equal(requests.at(-1), `POST /api/v0/pin/add?arg=${CID}&progress=true Bearer t`)
    handler = json({ Pins: [CID] })
    assert.deepEqual(await createKuboClient(url).pin.add(CID, { recursive: true }), { pins: [CID], blocks: 0 })
    assert.equal(requests.at(-1), `POST /api/v0/pin/add?arg=${CID}&recursive=true`)
  })

  it("error: Kubo error answers are KuboError with Kubo's message, status and command", async () => {
    handler = json({ Message: 'pin: invalid path "x"', Code: 0, Type: 'error' }, 500)
    await assert.rejects(createKuboClient(url).pin.add('x'), (err: unknown) => {
      assert.ok(err instanceof KuboError)
      assert.equal(err.code, 'SDK_ERROR_IPFS')
      assert.equal(err.detail, 'pin: invalid path "x"')
      assert.equal(err.status, 500)
      assert.equal(err.command, 'pin/add')
      return true
    })
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"Progress":1}\n')
    }
    await assert.rejects(createKuboClient(url).pin.add(CID, { progress: () => {} }), { code: 'SDK_ERROR_IPFS', detail: 'ended without pinning' })
  })

  it('behavior: pin rm tells removed from not pinned; pin ls lists keys', async () => {
    handler = (req, res) => {
      if (req.url?.includes('removed') === true) return json({ Pins: ['removed'] })(req, res)
      json({ Message: req.url?.includes('other') === true ? 'boom' : 'not pinned or pinned indirectly', Code: 0, Type: 'error' }, 500)(req, res)
    }
    const kubo = createKuboClient(url)
    assert.equal(await kubo.pin.rm('removed'), 'removed')
    assert.equal(await kubo.pin.rm(CID), 'notPinned')
    await assert.rejects(kubo.pin.rm('other'), { code: 'SDK_ERROR_IPFS', detail: 'boom' })
    handler = json({ Keys: { [CID]: { Type: 'recursive' } } })
    assert.deepEqual(await kubo.pin.ls({ paths: [CID], type: 'recursive' }), [{ cid: CID, type: 'recursive' }])
    assert.equal(requests.at(-1), `POST /api/v0/pin/ls?arg=${CID}&type=recursive`)
  })

  it('behavior: files/stat, block/get and swarm/connect', async () => {
    const kubo = createKuboClient(url)
    handler = json({ Hash: CID, Size: 10, CumulativeSize: 25, Blocks: 1, Type: 'file' })
    assert.deepEqual(await kubo.files.stat(`/ipfs/${CID}`), { hash: CID, size: 10, cumulativeSize: 25, blocks: 1, type: 'file' })
    assert.equal(requests.at(-1), `POST /api/v0/files/stat?arg=%2Fipfs%2F${CID}`)
    handler = (_req, res) => res.end(Buffer.from([1, 2, 3]))
    assert.deepEqual(await kubo.block.get(CID), new Uint8Array([1, 2, 3]))
    handler = json({ Strings: ['connect 12D3 success'] })
    const addr = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    assert.deepEqual(await kubo.swarm.connect(addr), ['connect 12D3 success'])
    assert.equal(requests.at(-1), `POST /api/v0/swarm/connect?arg=${encodeURIComponent(addr)}`)
  })

  it("behavior: stats/bitswap ranks the node's retrieval scores best first, whatever order they come in, and a Kubo answer has none", async () => {
    const kubo = createKuboClient(url)
    handler = json({
      Peers: ['12D3A', '12D3B'],
      BlocksReceived: 7,
      DataReceived: 700,
      RetrievalScores: [
        { Peer: '12D3A', Score: 0.2, Successes: 1, Failures: 3, Bytes: 100, MeanLatencyMs: 40 },
        { Peer: '12D3B', Score: 0.9, Successes: 6, Failures: 0, Bytes: 600, MeanLatencyMs: 5 },
        { Peer: '12D3C', Score: 'high' },
      ],
    })
    const stat = await kubo.stats.bitswap()
    assert.equal(requests.at(-1), 'POST /api/v0/stats/bitswap')
    assert.deepEqual(
      stat.retrievalScores.map((s) => [s.peer, s.rank, s.successes]),
      [
        ['12D3B', 1, 6],
        ['12D3A', 2, 1],
      ],
    )
    assert.equal(stat.blocksReceived, 7)
    handler = json({ Wantlist: [], Peers: [], BlocksReceived: 0 })
    assert.deepEqual((await kubo.stats.bitswap()).retrievalScores, [])
  })

  it('error: nobody answering is SDK_ERROR_IPFS_UNREACHABLE; an aborted call is SDK_ERROR_ABORTED', async () => {
    const dead = createServer()
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve))
    const port = (dead.address() as AddressInfo).port
    await new Promise<void>((resolve) => dead.close(() => resolve()))
    await assert.rejects(createKuboClient(`http://127.0.0.1:${port}`).files.stat('/ipfs/x'), { code: 'SDK_ERROR_IPFS_UNREACHABLE' })
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"Progress":1}\n')
    }
    const controller = new AbortController()
    const pinning = createKuboClient(url).pin.add(CID, { progress: () => controller.abort(), signal: controller.signal })
    await assert.rejects(pinning, (err: unknown) => err instanceof SdkError && err.code === 'SDK_ERROR_ABORTED')
  })
})
