/**
 * No request buffers more than a bounded block (issue #16, item 6), against a real node behind
 * the HTTP API: a CAR section declaring 1 GiB is refused before it is read, `allow-big-block`
 * stops at the hard limit (8 MiB, 413), and big blocks within it still work (CARv1 and CARv2).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { HARD_BLOCK_LIMIT, SOFT_BLOCK_LIMIT } from '../src/api/constants.js'
import { type ApiFixture, all, startApi } from './fixtures/api-server.js'
import { rawRequest, writeThenRead } from './fixtures/raw-http.js'

const MIB = 1024 * 1024
const GIB = 1024 * MIB
const BOUNDARY = 'big-block-boundary'
const MULTIPART = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }
const PART_HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`)
/** The most body bytes the client ever generates: a server that tried to buffer a 1 GiB section would read all of them. */
const CLIENT_CAP = 64 * MIB
/** What a refusing server may have taken: a chunk, its 4 MiB drain after the answer and socket buffers. */
const READ_BOUND = 16 * MIB

function uvarint(n: number): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(n))
  varint.encodeTo(n, out, 0)
  return out
}

function carHeader(roots: CID[], version = 1): Uint8Array {
  const header = dagCbor.encode(version === 1 ? { roots, version } : { version })
  return Buffer.concat([uvarint(header.byteLength), header])
}

function carSection(cid: CID, bytes: Uint8Array): Uint8Array {
  return Buffer.concat([uvarint(cid.bytes.byteLength + bytes.byteLength), cid.bytes, bytes])
}

async function rawBlock(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

/** Pseudo-random bytes (so nothing dedupes or compresses). */
function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/**
 * A multipart body: `prefix` (the file's first bytes), then up to `declared` filler bytes made as
 * they are pulled, stopping at {@link CLIENT_CAP}. `pulled()` says how many body bytes the
 * server's socket actually took.
 */
function streamingBody(prefix: Uint8Array, declared: number): { body: AsyncIterable<Uint8Array>; pulled: () => number } {
  let pulled = 0
  const filler = new Uint8Array(MIB).fill(0x61)
  async function* body(): AsyncGenerator<Uint8Array> {
    pulled += PART_HEAD.byteLength
    yield PART_HEAD
    pulled += prefix.byteLength
    yield prefix
    let sent = 0
    while (sent < declared && pulled < CLIENT_CAP) {
      const chunk = filler.subarray(0, Math.min(filler.byteLength, declared - sent))
      sent += chunk.byteLength
      pulled += chunk.byteLength
      yield chunk
    }
    yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
  }
  return { body: body(), pulled: () => pulled }
}

function multipartFile(bytes: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ])
}

interface KuboError {
  Message: string
  Code: number
  Type: string
}

describe('api: bounded blocks', () => {
  let api: ApiFixture

  before(async () => {
    api = await startApi()
  })

  after(async () => {
    await api.stop()
  })

  async function stillServes(): Promise<void> {
    const res = await api.call('version')
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  }

  it("error: a CAR section declaring 1 GiB is refused before it is read, with Kubo's big-block error", async () => {
    const root = await rawBlock(new Uint8Array([1]))
    const memoryBefore = process.memoryUsage().arrayBuffers
    const { body, pulled } = streamingBody(Buffer.concat([carHeader([root]), uvarint(GIB), root.bytes]), GIB)
    const res = await rawRequest(`${api.url}/api/v0/dag/import`, { body, headers: MULTIPART })
    assert.ok(pulled() < READ_BOUND, `the server read ${pulled()} bytes of a section it refused`)
    assert.ok(process.memoryUsage().arrayBuffers - memoryBefore < 256 * MIB, 'no 1 GiB buffer was allocated')
    assert.equal(res.status, 500)
    const err = JSON.parse(res.body.toString()) as KuboError
    assert.deepEqual([err.Code, err.Type], [0, 'error'])
    assert.match(err.Message, /^import failed: CAR section declares 1073741824 bytes: produced block is over 2MiB/)
    await stillServes()
  })

  it('error: with allow-big-block, a CAR section over the hard limit is 413 before it is read', async () => {
    const root = await rawBlock(new Uint8Array([2]))
    const { body, pulled } = streamingBody(Buffer.concat([carHeader([root]), uvarint(GIB), root.bytes]), GIB)
    const res = await rawRequest(`${api.url}/api/v0/dag/import?allow-big-block=true`, { body, headers: MULTIPART })
    assert.ok(pulled() < READ_BOUND, `the server read ${pulled()} bytes of a section it refused`)
    assert.equal(res.status, 413)
    const err = JSON.parse(res.body.toString()) as KuboError
    assert.deepEqual([err.Code, err.Type], [1, 'error'])
    assert.match(err.Message, /block of 1073741824 bytes is over the node's hard block limit of 8388608 bytes, even with --allow-big-block/)
    await stillServes()
  })

  it("error: block/put with allow-big-block over the hard limit is 413 with Kubo's JSON error, without buffering the body", async () => {
    const { body, pulled } = streamingBody(new Uint8Array(0), GIB)
    const res = await rawRequest(`${api.url}/api/v0/block/put?allow-big-block=true`, { body, headers: MULTIPART })
    assert.ok(pulled() < HARD_BLOCK_LIMIT + READ_BOUND, `the server read ${pulled()} bytes`)
    assert.equal(res.status, 413)
    const err = JSON.parse(res.body.toString()) as KuboError
    assert.deepEqual([err.Code, err.Type], [1, 'error'])
    assert.match(err.Message, /over the node's hard block limit of 8388608 bytes/)
    // Just over the limit is refused too; dag/put likewise.
    await assert.rejects(api.client.block.put(noise(HARD_BLOCK_LIMIT + 1, 3), { allowBigBlock: true } as never), /hard block limit/)
    await assert.rejects(
      api.client.dag.put(noise(HARD_BLOCK_LIMIT + 1, 4), { storeCodec: 'raw', inputCodec: 'raw', allowBigBlock: true } as never),
      /hard block limit/,
    )
    await stillServes()
  })

  it('error: a client that keeps writing and reads late still gets the 413 (the server lingers, it does not reset)', async () => {
    // Node's own close after a `Connection: close` answer resets a connection with unread body
    // bytes, and a client still writing then loses the answer it had not read yet.
    for (let round = 0; round < 3; round++) {
      const status = await writeThenRead(api.url, '/api/v0/block/put?allow-big-block=true', MULTIPART, {
        prefix: PART_HEAD,
        stallMs: 500,
        readDelayMs: 300,
        maxMiB: 40,
      })
      assert.equal(status, 'HTTP/1.1 413 Payload Too Large', `round ${round}: the client could not read the answer`)
    }
    await stillServes()
  })

  it('behavior: big blocks within the hard limit are accepted with allow-big-block (block/put, dag/put, dag/import)', async () => {
    const big = noise(HARD_BLOCK_LIMIT, 5)
    const cid = await api.client.block.put(big, { allowBigBlock: true } as never)
    assert.equal(cid.toString(), (await rawBlock(big)).toString())
    assert.deepEqual(Buffer.from(await api.client.block.get(cid)), Buffer.from(big))
    await assert.rejects(api.client.block.put(noise(SOFT_BLOCK_LIMIT + 1, 6)), /produced block is over 2MiB/)

    const put = noise(3 * MIB, 7)
    const putCid = await api.client.dag.put(put, { storeCodec: 'raw', inputCodec: 'raw', allowBigBlock: true } as never)
    assert.equal(putCid.toString(), (await rawBlock(put)).toString())

    const block = noise(3 * MIB, 8)
    const blockCid = await rawBlock(block)
    const car = Buffer.concat([carHeader([blockCid]), carSection(blockCid, block)])
    await assert.rejects(all(api.client.dag.import([car])), /CAR section declares \d+ bytes: produced block is over 2MiB/)
    const res = await rawRequest(`${api.url}/api/v0/dag/import?allow-big-block=true`, { body: multipartFile(car), headers: MULTIPART })
    assert.equal(res.status, 200, res.body.toString())
    assert.deepEqual(JSON.parse(res.body.toString()), { Root: { Cid: { '/': blockCid.toString() }, PinErrorMsg: '' } })
  })

  it('behavior: dag/import streams CARv1 and CARv2 (pragma, header, padding, index ignored) of several sections', async () => {
    for (const version of [1, 2]) {
      const blocks = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const bytes = noise(100_000 + i, 20 + 10 * version + i)
          return { cid: await rawBlock(bytes), bytes }
        }),
      )
      const root = blocks[0]!.cid
      const v1 = Buffer.concat([carHeader([root]), ...blocks.map((b) => carSection(b.cid, b.bytes))])
      let car = v1
      if (version === 2) {
        const pragma = carHeader([], 2)
        const padding = 7
        const v2Header = new Uint8Array(40)
        const view = new DataView(v2Header.buffer)
        view.setBigUint64(16, BigInt(pragma.byteLength + 40 + padding), true)
        view.setBigUint64(24, BigInt(v1.byteLength), true)
        car = Buffer.concat([pragma, v2Header, new Uint8Array(padding), v1, Buffer.from('index bytes that are not read')])
      }
      const imported = await all(api.client.dag.import([car]))
      assert.equal(imported[0]?.root.cid.toString(), root.toString(), `CARv${version}`)
      for (const b of blocks) assert.deepEqual(Buffer.from(await api.client.block.get(b.cid)), Buffer.from(b.bytes))
      if (version === 1) {
        await assert.rejects(all(api.client.dag.import([v1.subarray(0, v1.byteLength - 10)])), /import failed after block "\w+": unexpected end of data/i)
      }
    }
  })
})
