/** The W3Auth gateway in front of a real in-process IPFS daemon, driven by kubo-rpc-client and fetch. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { create } from 'kubo-rpc-client'
import { createW3AuthGateway, type W3AuthGateway, type W3AuthGatewayInit } from '../src/gateway/index.js'
import { openEmbeddedPinStore } from '../src/store/index.js'
import { pseudoRandomChunks, startTestIpfs, type TestIpfs } from './fixtures/ipfs.js'
import { negativeW3AuthCases } from './fixtures/w3auth-negative.js'
import { ethAuth, ethKey, solAuth, solKey, subAuth, subKey } from './fixtures/w3auth-keys.js'

const MIB = 1024 * 1024

/** A multipart `add` body of unknown length (chunked), so the node answers only after the whole body. */
function streamedAddBody(chunks: number, chunkSize: number): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = 'crust-ts-streamed'
  async function* parts() {
    yield new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    )
    yield* pseudoRandomChunks(chunks, chunkSize)
    yield new TextEncoder().encode(`\r\n--${boundary}--\r\n`)
  }
  return { body: Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>, contentType: `multipart/form-data; boundary=${boundary}` }
}

function addForm(bytes: Uint8Array): FormData {
  const form = new FormData()
  form.append('file', new Blob([bytes]), 'file')
  return form
}

describe('W3Auth gateway', () => {
  let ipfs: TestIpfs
  const gateways: W3AuthGateway[] = []
  let bob: string

  async function gateway(extra: Partial<W3AuthGatewayInit> = {}): Promise<W3AuthGateway> {
    const gw = createW3AuthGateway({ ipfsApi: ipfs.api, ipfsGateway: ipfs.gateway, port: 0, ...extra })
    await gw.start()
    gateways.push(gw)
    return gw
  }

  before(async () => {
    await cryptoWaitReady()
    ipfs = await startTestIpfs()
    bob = subAuth(subKey('//Bob'))
  })
  after(async () => {
    for (const gw of gateways) await gw.stop()
    await ipfs?.stop()
  })

  it('behavior: kubo-rpc-client adds through the gateway with substrate, ethereum and solana tokens; /ipfs/* is open with Range', async () => {
    const gw = await gateway()
    for (const authorization of [bob, ethAuth(ethKey()), solAuth(solKey())]) {
      const client = create({ url: `${gw.url}/api/v0`, headers: { authorization } })
      const text = `hello from ${authorization.slice(0, 20)}\n`
      const added = await client.add(new TextEncoder().encode(text))
      const res = await fetch(`${gw.url}/ipfs/${added.cid}`)
      assert.equal(res.status, 200)
      assert.equal(await res.text(), text)
      const part = await fetch(`${gw.url}/ipfs/${added.cid}`, { headers: { range: 'bytes=0-4' } })
      assert.equal(part.status, 206)
      assert.equal(await part.text(), 'hello')
    }
  })

  it('behavior: a web page may upload: the preflight admits Authorization, the browser Origin, Referer and user agent are not passed to the node, the answer admits the page', async () => {
    const gw = await gateway()
    const origin = 'http://127.0.0.1:3001'
    const preflight = await fetch(`${gw.url}/api/v0/add`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    })
    assert.equal(preflight.status, 204)
    // Browsers do not let `*` cover Authorization: it must be named.
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /\bauthorization\b/i)
    const boundary = 'page-upload'
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nfrom a web page\r\n--${boundary}--\r\n`
    const answer = await new Promise<{ status: number; allowOrigin: string | undefined; text: string }>((resolve, reject) => {
      const req = request(
        `${gw.url}/api/v0/add`,
        {
          method: 'POST',
          headers: {
            authorization: bob,
            origin,
            referer: `${origin}/`,
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0',
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              allowOrigin: res.headers['access-control-allow-origin'] as string | undefined,
              text: Buffer.concat(chunks).toString(),
            }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
    assert.equal(answer.status, 200, answer.text)
    assert.equal(answer.allowOrigin, '*')
    assert.match(answer.text, /"Hash"/)
  })

  it('error: every refused W3Auth header is 401 with its Crust string on every upload endpoint; nothing reaches the node', async () => {
    const gw = await gateway()
    const stat = async () => ((await (await fetch(`${ipfs.api}/api/v0/repo/stat`, { method: 'POST' })).json()) as { NumObjects: number }).NumObjects
    const before = await stat()
    const uploads = ['add', 'block/put', 'dag/put', 'dag/import', 'pin/add?arg=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']
    for (const { what, header, reply } of negativeW3AuthCases()) {
      for (const endpoint of uploads) {
        const headers: Record<string, string> = header === undefined ? {} : { authorization: header }
        const res = await fetch(`${gw.url}/api/v0/${endpoint}`, {
          method: 'POST',
          headers,
          body: addForm(new TextEncoder().encode(`secret ${what} ${endpoint}`)),
        })
        assert.equal(res.status, 401, `${what} on ${endpoint}`)
        assert.match(res.headers.get('content-type') ?? '', /application\/json/)
        assert.deepEqual(await res.json(), { Error: reply }, `${what} on ${endpoint}`)
      }
    }
    assert.equal(await stat(), before, 'no block was added')
    assert.equal(gw.stats.proxied, 0, 'nothing was forwarded')
  })

  it('error: dot segments cannot route an open /ipfs/ path to the API', async () => {
    const gw = await gateway()
    const { port } = new URL(gw.url)
    const raw = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
          let body = ''
          res.on('data', (d: Buffer) => {
            body += d.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        req.end(method === 'POST' ? 'data' : undefined)
      })
    for (const [method, path] of [
      ['GET', '/ipfs/../api/v0/version'],
      ['GET', '/ipfs/%2e%2e/api/v0/version'],
      ['POST', '/ipfs/%2E%2E/api/v0/block/put'],
      ['POST', '/ipns/x/../../api/v0/add'],
    ] as const) {
      const res = await raw(method, path)
      assert.equal(res.status, 401, `${method} ${path}`)
      assert.deepEqual(JSON.parse(res.body), { Error: 'Empty Signature' })
    }
    assert.equal(gw.stats.proxied, 0)
  })

  it('error: a malformed percent-encoding in any path is 400 JSON, refused before the node', async () => {
    const gw = await gateway()
    for (const [method, path, authorization] of [
      ['GET', '/ipfs/%E0', undefined],
      ['GET', '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/%E0%A4', undefined],
      ['GET', '/ipns/%zz', undefined],
      ['POST', '/api/v0/cat/%E0', bob],
      ['POST', '/api/v0/%E0', bob],
      ['POST', '/api/v0/%E0', undefined],
      ['GET', '/%E0', undefined],
    ] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, ...(authorization === undefined ? {} : { headers: { authorization } }) })
      assert.equal(res.status, 400, `${method} ${path}`)
      assert.deepEqual(await res.json(), { Error: 'malformed percent-encoding in the path' })
    }
    assert.equal(gw.stats.proxied, 0)
  })

  it('error: the daily upload quota is per account and answers 429', async () => {
    let now = Date.UTC(2025, 0, 1, 12)
    const gw = await gateway({ quotas: { uploadBytesPerDay: 100_000 }, now: () => now })
    const post = (authorization: string, size: number) =>
      fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization }, body: addForm(new Uint8Array(size).fill(size % 251)) })
    assert.equal((await post(bob, 60_000)).status, 200)
    const refused = await post(bob, 60_000)
    assert.equal(refused.status, 429)
    assert.deepEqual(await refused.json(), { Error: 'Upload quota exceeded' })
    // Another account has its own quota; the next UTC day resets Bob's.
    assert.equal((await post(subAuth(subKey('//Charlie')), 60_000)).status, 200)
    now += 86_400_000
    assert.equal((await post(bob, 60_000)).status, 200)
  })

  it("error: with a store, the day's usage survives a gateway restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-gw-usage-'))
    const now = Date.UTC(2025, 0, 2, 12)
    let store = await openEmbeddedPinStore({ dataDir: dir })
    try {
      const post = (gw: W3AuthGateway, size: number) =>
        fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(size).fill(size % 249)) })
      const first = await gateway({ quotas: { uploadBytesPerDay: 100_000 }, now: () => now, usageStore: store })
      assert.equal((await post(first, 60_000)).status, 200)
      // stop() waits for the usage writes, the unused lease's refund included.
      await first.stop()
      await store.close()
      store = await openEmbeddedPinStore({ dataDir: dir })
      const second = await gateway({ quotas: { uploadBytesPerDay: 100_000 }, now: () => now, usageStore: store })
      const refused = await post(second, 60_000)
      assert.equal(refused.status, 429, 'the restarted gateway remembers the 60 KB already used today')
      assert.equal((await post(second, 30_000)).status, 200, 'what is left of the day still fits')
    } finally {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('error: gateways sharing one store honour one quota: every draw is atomic in the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-gw-shared-'))
    const now = Date.UTC(2025, 0, 3, 12)
    // Two stores on one database, as two gateway processes would have.
    const stores = [await openEmbeddedPinStore({ dataDir: dir }), await openEmbeddedPinStore({ dataDir: dir })]
    try {
      const [one, two] = await Promise.all(stores.map((usageStore) => gateway({ quotas: { uploadBytesPerDay: 100_000 }, now: () => now, usageStore })))
      const post = (gw: W3AuthGateway, size: number) =>
        fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(size).fill(size % 247)) })
      // Both have seen the account before either upload.
      assert.equal((await post(one!, 1_000)).status, 200)
      assert.equal((await post(two!, 1_000)).status, 200)
      assert.equal((await post(one!, 60_000)).status, 200)
      const refused = await post(two!, 60_000)
      assert.equal(refused.status, 429, 'the other gateway sees what the first one drew')
      assert.deepEqual(await refused.json(), { Error: 'Upload quota exceeded' })
      assert.equal((await post(two!, 20_000)).status, 200, 'what is left of the day still fits')
    } finally {
      for (const store of stores) await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('error: the quota also stops a chunked upload of unknown length midway', async () => {
    const gw = await gateway({ quotas: { uploadBytesPerDay: 200_000 } })
    const { body, contentType } = streamedAddBody(20, 64 * 1024)
    const res = await fetch(`${gw.url}/api/v0/add`, {
      method: 'POST',
      headers: { authorization: bob, 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit)
    assert.equal(res.status, 429)
    assert.deepEqual(await res.json(), { Error: 'Upload quota exceeded' })
  })

  it('error: concurrent uploads of one account share its quota; what an upload does not use is given back', async () => {
    const gw = await gateway({ quotas: { uploadBytesPerDay: 1_000_000 } })
    const streamed = () => {
      const { body, contentType } = streamedAddBody(10, 60_000)
      return fetch(`${gw.url}/api/v0/add`, {
        method: 'POST',
        headers: { authorization: bob, 'content-type': contentType },
        body,
        duplex: 'half',
      } as RequestInit)
    }
    // Each answer read to its end: an upload settles its quota once it is answered.
    const answered = async (res: Response) => {
      await res.text()
      return res.status
    }
    const statuses = (await Promise.all([streamed().then(answered), streamed().then(answered)])).sort()
    assert.deepEqual(statuses, [200, 429], 'two 600 KB uploads against a 1 MB day: one goes through')
    // 600 KB used; the refused upload's share and the unused rest came back: 300 KB more still fit.
    assert.equal(
      (await fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(300_000).fill(3)) })).status,
      200,
    )
    assert.equal(
      (await fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(200_000).fill(4)) })).status,
      429,
    )
  })

  it('error: the request rate per account is a token bucket answering 429', async () => {
    let now = 1_000_000
    const gw = await gateway({ rateLimit: { requestsPerSecond: 1, burst: 2 }, now: () => now })
    const version = (authorization: string) => fetch(`${gw.url}/api/v0/version`, { method: 'POST', headers: { authorization } })
    assert.equal((await version(bob)).status, 200)
    assert.equal((await version(bob)).status, 200)
    const limited = await version(bob)
    assert.equal(limited.status, 429)
    assert.deepEqual(await limited.json(), { Error: 'Too Many Requests' })
    assert.equal((await version(subAuth(subKey('//Dave')))).status, 200, 'another account is not limited')
    now += 1000
    assert.equal((await version(bob)).status, 200, 'one token back after a second')
    assert.equal((await version(bob)).status, 429)
  })

  it('error: bodies over maxRequestBytes are 413, declared or streamed', async () => {
    const gw = await gateway({ maxRequestBytes: 100_000 })
    const declared = await fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(200_000)) })
    assert.equal(declared.status, 413)
    assert.deepEqual(await declared.json(), { Error: 'Request Entity Too Large' })
    const { body, contentType } = streamedAddBody(10, 64 * 1024)
    const streamed = await fetch(`${gw.url}/api/v0/add`, {
      method: 'POST',
      headers: { authorization: bob, 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit)
    assert.equal(streamed.status, 413)
    assert.equal((await fetch(`${gw.url}/api/v0/add`, { method: 'POST', headers: { authorization: bob }, body: addForm(new Uint8Array(1000)) })).status, 200)
  })

  it('behavior: a 50 MiB upload streams through without the gateway holding the body', async (t) => {
    const gw = await gateway()
    const client = create({ url: `${gw.url}/api/v0`, headers: { authorization: bob } })
    // Throughput for the benchmark: the same kind of upload straight to the node first (other bytes, no dedup).
    let t0 = performance.now()
    await create({ url: `${ipfs.api}/api/v0` }).add({ content: pseudoRandomChunks(50, MIB, 8) })
    const direct = performance.now() - t0
    t0 = performance.now()
    const added = await client.add({ content: pseudoRandomChunks(50, MIB, 7) })
    const proxied = performance.now() - t0
    t.diagnostic(
      `50 MiB add: direct ${direct.toFixed(0)} ms, through the gateway ${proxied.toFixed(0)} ms (throughput ratio ${((100 * direct) / proxied).toFixed(0)} %)`,
    )
    assert.ok(gw.stats.uploadedBytes >= 50 * MIB, `forwarded ${gw.stats.uploadedBytes} bytes`)
    assert.ok(gw.stats.maxBufferedBytes <= 1 * MIB, `the proxy held at most ${gw.stats.maxBufferedBytes} bytes at once`)
    const stat = (await (await fetch(`${ipfs.api}/api/v0/files/stat?arg=/ipfs/${added.cid}`, { method: 'POST' })).json()) as { Size: number }
    assert.equal(stat.Size, 50 * MIB)
    t.diagnostic(`max bytes buffered in the proxy: ${gw.stats.maxBufferedBytes}`)
  })
})
