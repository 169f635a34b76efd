/** The Pinning Service API over HTTP against the embedded store (the order engine is a counter here). */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Logger } from '@crust-ts/base'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { createPinningService, type PinningService, type PinStatusJson } from '../src/psa/index.js'
import { openEmbeddedPinStore, type PinStore } from '../src/store/index.js'
import { startTestIpfs } from './fixtures/ipfs.js'
import { ethAuth, ethKey, solAuth, solKey, subAuth, subKey } from './fixtures/w3auth-keys.js'
import { negativeW3AuthCases } from './fixtures/w3auth-negative.js'

const CID_A = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const CID_B = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const CID_C = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
/** Pinned by no test: only the refused requests try to. */
const UNPINNED_CID = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'
const DELEGATES = ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDelegate']

describe('Pinning Service API', () => {
  let dir: string
  let store: PinStore
  let psa: PinningService
  let wakes = 0
  let bob: string
  let eve: string

  const call = async (method: string, path: string, auth: string | undefined, body?: unknown) => {
    const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${psa.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) }
  }

  before(async () => {
    await cryptoWaitReady()
    dir = mkdtempSync(join(tmpdir(), 'crust-gw-psa-'))
    store = await openEmbeddedPinStore({ dataDir: dir })
    psa = createPinningService({ store, delegates: DELEGATES, port: 0, orderEngine: { wake: () => wakes++, replicaThreshold: 3 } })
    await psa.start()
    bob = subAuth(subKey('//Bob'))
    eve = subAuth(subKey('//Eve'))
  })
  after(async () => {
    await psa?.stop()
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: POST /pins answers 202 queued with requestid, requestId, delegates and info; GET returns it', async () => {
    const before = wakes
    const created = await call('POST', '/pins', bob, { cid: CID_A, name: 'hello', origins: ['/ip4/10.0.0.1/tcp/4001'], meta: { app: 'test' } })
    assert.equal(created.status, 202)
    const pin = created.body as unknown as PinStatusJson
    assert.equal(pin.status, 'queued')
    assert.equal(pin.requestid, pin.requestId)
    assert.deepEqual(pin.pin, { cid: CID_A, name: 'hello', origins: ['/ip4/10.0.0.1/tcp/4001'], meta: { app: 'test' } })
    assert.deepEqual(pin.delegates, DELEGATES)
    assert.ok(!Number.isNaN(Date.parse(pin.created)))
    assert.equal(pin.info.order_phase, 'queued')
    assert.equal(pin.info.replica_threshold, '3')
    assert.ok(
      Object.values(pin.info).every((v) => typeof v === 'string'),
      'info is a string map',
    )
    assert.equal(wakes, before + 1, 'the order engine is woken')
    const got = await call('GET', `/pins/${pin.requestid}`, bob)
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, created.body)
  })

  it('behavior: list with filters, newest first, count of all matches', async () => {
    const auth = solAuth(solKey())
    const ids: string[] = []
    for (const [cid, name, app] of [
      [CID_A, 'Report', 'x'],
      [CID_B, 'report-2', 'y'],
      [CID_C, 'other', 'x'],
    ] as const) {
      ids.push(((await call('POST', '/pins', auth, { cid, name, meta: { app } })).body as unknown as PinStatusJson).requestid)
    }
    await store.updateOrder(CID_C, { status: 'pinned' })
    const names = async (query: string) => {
      const r = await call('GET', `/pins${query}`, auth)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      const body = r.body as unknown as { count: number; results: PinStatusJson[] }
      return [body.count, body.results.map((p) => p.pin.name)]
    }
    assert.deepEqual(await names(''), [3, ['other', 'report-2', 'Report']])
    assert.deepEqual(await names('?limit=1'), [3, ['other']])
    assert.deepEqual(await names(`?cid=${CID_A},${CID_B}`), [2, ['report-2', 'Report']])
    assert.deepEqual(await names('?name=report&match=ipartial'), [2, ['report-2', 'Report']])
    assert.deepEqual(await names('?name=Report&match=exact'), [1, ['Report']])
    assert.deepEqual(await names('?name=REPORT&match=iexact'), [1, ['Report']])
    assert.deepEqual(await names('?name=eport&match=partial'), [2, ['report-2', 'Report']])
    assert.deepEqual(await names('?status=pinned'), [1, ['other']])
    assert.deepEqual(await names('?status=queued,pinning'), [2, ['report-2', 'Report']])
    assert.deepEqual(await names(`?meta=${encodeURIComponent(JSON.stringify({ app: 'x' }))}`), [2, ['other', 'Report']])
    assert.deepEqual(await names('?meta%5Bapp%5D=x'), [2, ['other', 'Report']], 'meta[key]=value, as OpenAPI-generated clients send it')
    assert.deepEqual(await names('?meta%5Bapp%5D=nope'), [0, []])
    const future = new Date(Date.now() + 60_000).toISOString()
    const past = new Date(Date.now() - 60_000).toISOString()
    assert.deepEqual(await names(`?before=${future}&after=${past}&limit=1000`), [3, ['other', 'report-2', 'Report']])
    assert.deepEqual(await names(`?before=${past}`), [0, []])
  })

  it('error: bad queries and bodies are 400 {error: {reason, details}}', async () => {
    const bad = [
      ['GET', '/pins?limit=0'],
      ['GET', '/pins?limit=1001'],
      ['GET', '/pins?limit=abc'],
      ['GET', '/pins?status=done'],
      ['GET', '/pins?match=fuzzy'],
      ['GET', '/pins?before=yesterday'],
      ['GET', '/pins?meta=notjson'],
      ['GET', `/pins?cid=${Array(11).fill(CID_A).join(',')}`],
      ['GET', `/pins?name=${'x'.repeat(256)}`],
    ] as const
    for (const [method, path] of bad) {
      const r = await call(method, path, bob)
      assert.equal(r.status, 400, path)
      const error = (r.body as { error: { reason: string; details: string } }).error
      assert.equal(error.reason, 'BAD_REQUEST')
      assert.ok(error.details.length > 0)
    }
    for (const body of [{}, { cid: 'not-a-cid' }, { cid: CID_A, origins: 'x' }, { cid: CID_A, meta: { a: 1 } }, { cid: CID_A, name: 5 }, 'not json', '[1]']) {
      const r = await call('POST', '/pins', bob, body)
      assert.equal(r.status, 400, JSON.stringify(body))
    }
  })

  it('error: a malformed percent-encoding in the path is 400 JSON, not a 500', async () => {
    for (const [method, path] of [
      ['GET', '/pins/%E0'],
      ['DELETE', '/pins/%E0'],
      ['POST', '/pins/%E0%A4'],
      ['GET', '/pins/%zz'],
      ['GET', '/pins%E0'],
    ] as const) {
      const r = await call(method, path, bob, method === 'POST' ? { cid: CID_A } : undefined)
      assert.equal(r.status, 400, `${method} ${path}`)
      assert.deepEqual(r.body, { error: { reason: 'BAD_REQUEST', details: 'malformed percent-encoding in the path' } })
    }
    assert.equal((await call('GET', `/pins/${encodeURIComponent('é')}`, bob)).status, 404, 'a well-formed encoding is looked up')
  })

  it('error: every endpoint needs W3Auth (401 with Crust strings)', async () => {
    for (const [method, path] of [
      ['GET', '/pins'],
      ['POST', '/pins'],
      ['GET', '/pins/x'],
      ['POST', '/pins/x'],
      ['DELETE', '/pins/x'],
    ] as const) {
      const none = await call(method, path, undefined, method === 'POST' ? { cid: CID_A } : undefined)
      assert.equal(none.status, 401)
      assert.deepEqual(none.body, { error: { reason: 'Empty Signature', details: 'Empty Signature' } })
    }
    const wrong = await call('GET', '/pins', bob.replace(/.{6}$/, 'AAAAAA'))
    assert.equal(wrong.status, 401)
    const unknown = await call('GET', '/pins', subAuth(subKey('//Bob'), 'Bearer', 'btc'))
    assert.deepEqual(unknown.body, { error: { reason: 'Unsupported web3 signature', details: 'Unsupported web3 signature' } })
    const before = await store.listOrders({ phases: ['queued', 'submitting', 'placed', 'failed'], limit: 10_000 })
    for (const { what, header, reply } of negativeW3AuthCases()) {
      for (const [method, path] of [
        ['GET', '/pins'],
        ['POST', '/pins'],
        ['DELETE', '/pins/x'],
      ] as const) {
        const r = await call(method, path, header, method === 'POST' ? { cid: UNPINNED_CID, name: what } : undefined)
        assert.equal(r.status, 401, `${what}: ${method} ${path}`)
        assert.deepEqual(r.body, { error: { reason: reply, details: reply } }, `${what}: ${method} ${path}`)
      }
    }
    assert.equal((await store.listOrders({ phases: ['queued', 'submitting', 'placed', 'failed'], limit: 10_000 })).length, before.length, 'no pin was stored')
    assert.equal(await store.countLivePins(UNPINNED_CID), 0)
  })

  it('behavior: replace and delete are 202; another account can neither see, replace nor delete', async () => {
    const auth = ethAuth(ethKey())
    const pin = (await call('POST', '/pins', auth, { cid: CID_A, name: 'mine' })).body as unknown as PinStatusJson
    assert.equal((await call('GET', `/pins/${pin.requestid}`, eve)).status, 404)
    assert.deepEqual((await call('GET', `/pins/${pin.requestid}`, eve)).body, { error: { reason: 'not found', details: 'not found' } })
    assert.equal((await call('DELETE', `/pins/${pin.requestid}`, eve)).status, 404)
    assert.equal((await call('POST', `/pins/${pin.requestid}`, eve, { cid: CID_B })).status, 404)
    assert.equal(((await call('GET', '/pins', eve)).body as { count: number }).count, 0)
    const replaced = await call('POST', `/pins/${pin.requestid}`, auth, { cid: CID_B, name: 'mine v2' })
    assert.equal(replaced.status, 202)
    const next = replaced.body as unknown as PinStatusJson
    assert.notEqual(next.requestid, pin.requestid)
    assert.equal(next.pin.cid, CID_B)
    assert.equal((await call('GET', `/pins/${pin.requestid}`, auth)).status, 404)
    const deleted = await call('DELETE', `/pins/${next.requestid}`, auth)
    assert.equal(deleted.status, 202)
    assert.equal(deleted.body, undefined)
    assert.equal((await call('GET', `/pins/${next.requestid}`, auth)).status, 404)
    assert.equal((await call('DELETE', `/pins/${next.requestid}`, auth)).status, 404)
  })

  it("behavior: a pin's origins are dialled from the node (a peer it did not know becomes connected)", async () => {
    const [node, origin] = await Promise.all([startTestIpfs(), startTestIpfs()])
    // The test nodes listen on loopback: private dialing is allowed here.
    const service = createPinningService({ store, ipfsApi: node.api, port: 0, origins: { dialPrivate: true } })
    const peers = async () => {
      const res = await fetch(`${node.api}/api/v0/swarm/peers`, { method: 'POST' })
      return (((await res.json()) as { Peers: Array<{ Peer: string }> | null }).Peers ?? []).map((p) => p.Peer)
    }
    try {
      await service.start()
      assert.ok(!(await peers()).includes(origin.daemon.peerId), 'not connected before the pin')
      const addr = origin.daemon.multiaddrs.find((a) => a.includes('/tcp/'))
      assert.ok(addr !== undefined)
      const origins = [addr.includes('/p2p/') ? addr : `${addr}/p2p/${origin.daemon.peerId}`]
      const res = await fetch(`${service.url}/pins`, {
        method: 'POST',
        headers: { authorization: bob, 'content-type': 'application/json' },
        body: JSON.stringify({ cid: CID_C, origins }),
      })
      assert.equal(res.status, 202)
      const deadline = Date.now() + 30_000
      while (!(await peers()).includes(origin.daemon.peerId)) {
        assert.ok(Date.now() < deadline, 'the origin was never dialled')
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      await service.stop()
      await Promise.all([node.stop(), origin.stop()])
    }
  })

  it('behavior: a loopback origin is not dialled unless private dialing is allowed (refused with a debug line, the pin still accepted)', async () => {
    const [node, origin] = await Promise.all([startTestIpfs(), startTestIpfs()])
    const debug: Array<Record<string, unknown>> = []
    const log = { debug: (obj: Record<string, unknown>, msg: string) => debug.push({ ...obj, msg }), info() {}, warn() {}, error() {} }
    const logger = { forComponent: () => log as unknown as Logger }
    const closed = createPinningService({ store, ipfsApi: node.api, port: 0, logger })
    const open = createPinningService({ store, ipfsApi: node.api, port: 0, origins: { dialPrivate: true } })
    const peers = async () => {
      const res = await fetch(`${node.api}/api/v0/swarm/peers`, { method: 'POST' })
      return (((await res.json()) as { Peers: Array<{ Peer: string }> | null }).Peers ?? []).map((p) => p.Peer)
    }
    const pin = (service: PinningService, origins: string[]) =>
      fetch(`${service.url}/pins`, {
        method: 'POST',
        headers: { authorization: subAuth(subKey('//Origins')), 'content-type': 'application/json' },
        body: JSON.stringify({ cid: CID_B, origins }),
      })
    try {
      await Promise.all([closed.start(), open.start()])
      const addr = origin.daemon.multiaddrs.find((a) => a.includes('/ip4/127.0.0.1/tcp/'))
      assert.ok(addr !== undefined, 'the origin listens on loopback')
      const loopback = addr.includes('/p2p/') ? addr : `${addr}/p2p/${origin.daemon.peerId}`
      assert.ok(!(await peers()).includes(origin.daemon.peerId), 'not connected before the pin')

      assert.equal((await pin(closed, [loopback])).status, 202)
      const until = Date.now() + 3_000
      while (Date.now() < until) {
        assert.ok(!(await peers()).includes(origin.daemon.peerId), 'a loopback origin was dialled with private dialing off')
        await new Promise((r) => setTimeout(r, 100))
      }
      const refused = debug.find((l) => l.msg === 'pin origin not dialled')
      assert.equal(refused?.reason, 'loopback')
      assert.equal(refused?.origin, loopback)

      assert.equal((await pin(open, [loopback])).status, 202)
      const deadline = Date.now() + 30_000
      while (!(await peers()).includes(origin.daemon.peerId)) {
        assert.ok(Date.now() < deadline, 'the origin was never dialled with private dialing on')
        await new Promise((r) => setTimeout(r, 100))
      }
    } finally {
      await Promise.all([closed.stop(), open.stop()])
      await Promise.all([node.stop(), origin.stop()])
    }
  })

  it('behavior: without explicit delegates the node multiaddrs from the IPFS API are used', async () => {
    const ipfs = await startTestIpfs()
    const service = createPinningService({ store, ipfsApi: ipfs.api, port: 0 })
    try {
      await service.start()
      const res = await fetch(`${service.url}/pins`, {
        method: 'POST',
        headers: { authorization: bob, 'content-type': 'application/json' },
        body: JSON.stringify({ cid: CID_C }),
      })
      const pin = (await res.json()) as PinStatusJson
      assert.ok(pin.delegates.length > 0)
      for (const d of pin.delegates) assert.match(d, new RegExp(`/p2p/${ipfs.daemon.peerId}$`))
    } finally {
      await service.stop()
      await ipfs.stop()
    }
  })
})
