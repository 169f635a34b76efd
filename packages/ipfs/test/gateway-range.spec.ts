import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'
import type { IpfsNode } from '../src/interface.js'
import { addTree, pseudoRandomBytes, type RunningGateway, startGateway } from './fixtures/gateway-fixture.js'
import { createMemoryNode } from './fixtures/memory-node.js'

const SIZE = 300 * 1024 + 7

describe('gateway: Range requests', () => {
  let node: IpfsNode
  let gw: RunningGateway
  let file: CID
  let bytes: Uint8Array
  let tree: CID

  before(async () => {
    node = await createMemoryNode()
    bytes = pseudoRandomBytes(SIZE, 'range')
    // Small chunks so that ranges cross many leaves and two layers of the DAG.
    file = await node.fs.addBytes(bytes, { chunker: fixedSize({ chunkSize: 1000 }) })
    tree = await addTree(node, { 'notes.txt': 'line one\nline two\n', noext: '{"a": 1}' })
    gw = await startGateway(node)
  })

  after(async () => {
    await gw.gateway.stop()
    await node.stop()
  })

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${gw.base}${path}`, { headers })

  async function expectSlice(range: string, start: number, end: number): Promise<void> {
    const res = await get(`/ipfs/${file}`, { Range: range })
    assert.equal(res.status, 206, range)
    assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${SIZE}`, range)
    assert.equal(res.headers.get('content-length'), String(end - start + 1), range)
    assert.equal(res.headers.get('etag'), `"${file}"`, range)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(start, end + 1), range)
  }

  it('behavior: the first bytes', async () => {
    await expectSlice('bytes=0-99', 0, 99)
    await expectSlice('bytes=0-0', 0, 0)
  })

  it('behavior: a middle slice crossing chunk boundaries', async () => {
    await expectSlice('bytes=999-1000', 999, 1000)
    await expectSlice('bytes=123456-234567', 123456, 234567)
  })

  it('behavior: a suffix range (bytes=-N)', async () => {
    await expectSlice('bytes=-500', SIZE - 500, SIZE - 1)
    await expectSlice(`bytes=-${SIZE + 100}`, 0, SIZE - 1)
  })

  it('behavior: an open-ended range (bytes=N-) and an end beyond the size are clamped', async () => {
    await expectSlice('bytes=300000-', 300000, SIZE - 1)
    await expectSlice(`bytes=${SIZE - 1}-`, SIZE - 1, SIZE - 1)
    await expectSlice('bytes=10-999999999', 10, SIZE - 1)
  })

  it('error: an unsatisfiable range answers 416 with Content-Range: bytes */size', async () => {
    for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 5}-${SIZE + 10}`, 'bytes=-0']) {
      const res = await get(`/ipfs/${file}`, { Range: range })
      assert.equal(res.status, 416, range)
      assert.equal(res.headers.get('content-range'), `bytes */${SIZE}`, range)
      await res.arrayBuffer()
    }
  })

  it('behavior: malformed Range headers are ignored (200 with everything)', async () => {
    for (const range of ['bytes=abc', 'items=0-10', 'bytes=20-10', 'bytes=']) {
      const res = await get(`/ipfs/${file}`, { Range: range })
      assert.equal(res.status, 200, range)
      assert.equal((await res.arrayBuffer()).byteLength, SIZE, range)
    }
  })

  it('behavior: several ranges answer multipart/byteranges', async () => {
    const res = await get(`/ipfs/${file}`, { Range: 'bytes=0-9, 5000-5009, -10' })
    assert.equal(res.status, 206)
    const type = res.headers.get('content-type') ?? ''
    const boundary = /^multipart\/byteranges; boundary=(.+)$/.exec(type)?.[1]
    assert.ok(boundary !== undefined, type)
    const body = Buffer.from(await res.arrayBuffer())
    assert.equal(res.headers.get('content-length'), String(body.length))
    const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1)
    assert.equal(parts.length, 3)
    const expected: [number, number][] = [
      [0, 9],
      [5000, 5009],
      [SIZE - 10, SIZE - 1],
    ]
    parts.forEach((part, i) => {
      const [head, data] = part.split('\r\n\r\n') as [string, string]
      const [start, end] = expected[i]!
      assert.match(head, new RegExp(`Content-Range: bytes ${start}-${end}/${SIZE}`))
      assert.deepEqual(Uint8Array.from(Buffer.from(data.replace(/\r\n$/, ''), 'latin1')), bytes.subarray(start, end + 1))
    })
  })

  it('behavior: If-Range with another ETag ignores the range', async () => {
    const match = await get(`/ipfs/${file}`, { Range: 'bytes=0-9', 'If-Range': `"${file}"` })
    assert.equal(match.status, 206)
    await match.arrayBuffer()
    const stale = await get(`/ipfs/${file}`, { Range: 'bytes=0-9', 'If-Range': '"stale"' })
    assert.equal(stale.status, 200)
    assert.equal((await stale.arrayBuffer()).byteLength, SIZE)
  })

  it('behavior: ranges of raw blocks and of small files, with the full-file content type', async () => {
    const raw = await get(`/ipfs/${tree}?format=raw`, { Range: 'bytes=2-5' })
    assert.equal(raw.status, 206)
    assert.equal(raw.headers.get('content-type'), 'application/vnd.ipld.raw')
    const block: Uint8Array[] = []
    for await (const chunk of node.helia.blockstore.get(tree)) block.push(chunk)
    assert.deepEqual(new Uint8Array(await raw.arrayBuffer()), Uint8Array.from(Buffer.concat(block)).subarray(2, 6))

    const text = await get(`/ipfs/${tree}/notes.txt`, { Range: 'bytes=5-7' })
    assert.equal(await text.text(), 'one')
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8')
    const sniffed = await get(`/ipfs/${tree}/noext`, { Range: 'bytes=1-4' })
    assert.equal(await sniffed.text(), '"a":')
    assert.equal(sniffed.headers.get('content-type'), 'application/json')
  })
})
