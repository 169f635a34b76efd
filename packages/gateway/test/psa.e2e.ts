/**
 * The pinning service end to end: a `crust node` child process, a real IPFS daemon, the gateway,
 * the pinning service and the order engine paying with //Ferdie. Users pin through the PSA with
 * W3Auth; orders appear on chain with the DAG's cumulative size and content root, once per CID; three simulated
 * sWorkers report the file and the pin turns `pinned`; and an engine stopped at either crash window
 * (after persisting `submitting`, after sending) restarts into exactly one order.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '@crust-ts/base'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { dagContentRoot } from '@crust-ts/sdk'
import { create } from 'kubo-rpc-client'
import { createOrderEngine, type OrderEngine, type OrderEngineHooks } from '../src/orders/index.js'
import type { PinStatusJson } from '../src/psa/index.js'
import { type GatewayServices, startGatewayServices } from '../src/services.js'
import { openEmbeddedPinStore, type PinStore } from '../src/store/index.js'
import { type ChainNode, connectApi, sendTx, startChainNode, waitFor } from './fixtures/chain-node.js'
import { startTestIpfs, type TestIpfs } from './fixtures/ipfs.js'
import { reportSlotNow, SworkerSim } from '@crust-ts/testkit'
import { subAuth } from './fixtures/w3auth-keys.js'

const REPORT_SLOT = 20
const RUNTIME = { reportSlot: REPORT_SLOT, fileDuration: 2000, eraLength: 6 * REPORT_SLOT }
const logger = createLogger({ level: process.env.CRUST_TEST_LOG ?? 'silent' })

describe('pinning service end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-e2e-'))
  let node: ChainNode
  let api: ApiPromise
  let ipfs: TestIpfs
  let services: GatewayServices
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let bob: KeyringPair
  let charlie: KeyringPair
  let sworkers: Array<{ account: KeyringPair; sim: SworkerSim }>
  const fileSuccess: Array<{ who: string; cid: string; block: number }> = []
  let scanned = 0
  /** The CID of the first test, stored with 3 replicas (its period runs). */
  let storedCid = ''

  /** market.FileSuccess events of every block so far. */
  async function ordersOf(cid: string): Promise<Array<{ who: string }>> {
    const head = (await api.rpc.chain.getHeader()).number.toNumber()
    for (; scanned < head; ) {
      const n = ++scanned
      const hash = await api.rpc.chain.getBlockHash(n)
      const events = (await (
        await api.at(hash)
      ).query.system!.events!()) as unknown as Array<{ event: { section: string; method: string; data: Array<{ toString(): string; toUtf8?(): string }> } }>
      for (const { event } of events) {
        if (event.section === 'market' && event.method === 'FileSuccess')
          fileSuccess.push({ who: event.data[0]!.toString(), cid: event.data[1]!.toUtf8!(), block: n })
      }
    }
    return fileSuccess.filter((e) => e.cid === cid)
  }

  async function chainFile(cid: string) {
    const v = (await api.query.market!.filesV2!(cid)) as unknown as { isNone: boolean; toJSON(): { fileSize: number; reportedReplicaCount: number } }
    return v.isNone ? undefined : v.toJSON()
  }

  const tokens = new Map<KeyringPair, string>()
  async function psa(method: string, path: string, who: KeyringPair, body?: unknown) {
    let authorization = tokens.get(who)
    if (authorization === undefined) tokens.set(who, (authorization = subAuth(who)))
    const res = await fetch(`${services.urls.psa}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as PinStatusJson }
  }

  async function cumulativeSize(cid: string): Promise<number> {
    const res = await fetch(`${ipfs.api}/api/v0/files/stat?arg=/ipfs/${cid}`, { method: 'POST' })
    return ((await res.json()) as { CumulativeSize: number }).CumulativeSize
  }

  async function addToIpfs(text: string): Promise<string> {
    const form = new FormData()
    form.append('file', new Blob([text]), 'f')
    const res = await fetch(`${ipfs.api}/api/v0/add?pin=false`, { method: 'POST', body: form })
    return ((await res.json()) as { Hash: string }).Hash
  }

  /** A report slot with enough blocks left to get a report in, and its block hash. */
  const reportSlot = () => reportSlotNow(api, REPORT_SLOT, { margin: 6 })

  before(async () => {
    await cryptoWaitReady()
    node = await startChainNode(dir, RUNTIME)
    api = await connectApi(node.url)
    ipfs = await startTestIpfs()
    bob = keyring.addFromUri('//Bob')
    charlie = keyring.addFromUri('//Charlie')
    sworkers = ['//Alice', '//Dave', '//Eve'].map((uri) => ({ account: keyring.addFromUri(uri), sim: new SworkerSim() }))
    for (const { account, sim } of sworkers) {
      const [iasSig, iasCert, applier, isvBody, sig] = sim.registerArgs(account.publicKey)
      assert.equal(
        await sendTx(api, api.tx.swork!.register!(u8aToHex(iasSig), u8aToHex(iasCert), u8aToHex(applier), u8aToHex(isvBody), u8aToHex(sig)), account),
        undefined,
      )
    }
    services = await startGatewayServices({
      ipfsApi: ipfs.api,
      ipfsGateway: ipfs.gateway,
      chainRpc: node.url,
      serviceAccount: '//Ferdie',
      dataDir: join(dir, 'pins'),
      gateway: { port: 0 },
      psa: { port: 0 },
      orders: { pollIntervalMs: 200, statusIntervalMs: 300 },
      logger,
    })
  })

  after(async () => {
    await services?.stop()
    await api?.disconnect()
    await ipfs?.stop()
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: pin → one order of the cumulative size → three reports → pinned; shared CID ordered once; delete and isolation', async () => {
    // Upload through the W3Auth gateway, as a Crust user would.
    const client = create({ url: `${services.urls.gateway}/api/v0`, headers: { authorization: subAuth(bob) } })
    const added = await client.add(new TextEncoder().encode('a file pinned through the crust-ts pinning service\n'.repeat(5000)))
    const cid = added.cid.toString()
    storedCid = cid
    const size = await cumulativeSize(cid)

    const created = await psa('POST', '/pins', bob, { cid, name: 'bob file' })
    assert.equal(created.status, 202)
    assert.equal(created.body.status, 'queued')
    const requestid = created.body.requestid
    assert.ok(created.body.delegates.length > 0)

    const pinning = await waitFor(async () => {
      const r = await psa('GET', `/pins/${requestid}`, bob)
      return r.body.status === 'pinning' ? r.body : undefined
    }, 'pin to be pinning')
    const file = await chainFile(cid)
    assert.equal(file?.fileSize, size, 'ordered with the DAG cumulative size')
    // Ordered with the content root the sdk computes for the same DAG (what `crust upload` orders with).
    const fixedRoot = (await api.query.market!.fileRoots!(cid)).toJSON()
    assert.deepEqual(fixedRoot, { root: (await dagContentRoot({ cid, ipfsApi: ipfs.api })).root, size })
    assert.equal(pinning.info.size, String(size))
    assert.ok(BigInt(pinning.info.fee!) > 0n, `fee ${pinning.info.fee}`)
    assert.equal(pinning.info.orders_placed, '1')
    assert.deepEqual(
      (await ordersOf(cid)).map((e) => e.who),
      [keyring.addFromUri('//Ferdie').address],
    )

    // A second user pinning the same CID shares the order.
    const second = await psa('POST', '/pins', charlie, { cid, name: 'charlie copy' })
    assert.equal(second.status, 202)
    assert.equal(second.body.status, 'pinning')
    assert.equal((await services.store.getOrder(cid))?.phase, 'placed')

    // Three sWorkers report the file.
    const cidBytes = new TextEncoder().encode(cid)
    const slot = await reportSlot()
    for (const { account, sim } of sworkers) {
      const args = sim.reportArgs({ ...slot, filesSize: BigInt(size), added: [[cidBytes, BigInt(size), slot.slot]] })
      const hexArgs = args.map((a) => (a instanceof Uint8Array ? u8aToHex(a) : Array.isArray(a) ? a.map((f) => [u8aToHex(f[0]), f[1], f[2]]) : a))
      assert.equal(await sendTx(api, api.tx.swork!.reportWorks!(...hexArgs), account), undefined)
    }
    for (const [who, id] of [
      [bob, requestid],
      [charlie, second.body.requestid],
    ] as const) {
      const pinned = await waitFor(async () => {
        const r = await psa('GET', `/pins/${id}`, who)
        return r.body.status === 'pinned' ? r.body : undefined
      }, 'pin to be pinned')
      assert.equal(pinned.info.replicas, '3')
      assert.match(pinned.info.status_details!, /3 replicas reported/)
    }
    const list = await psa('GET', '/pins?status=pinned', bob)
    assert.equal((list.body as unknown as { count: number }).count, 1)

    // Isolation and delete.
    assert.equal((await psa('GET', `/pins/${requestid}`, charlie)).status, 404)
    assert.equal((await psa('DELETE', `/pins/${requestid}`, charlie)).status, 404)
    assert.equal((await psa('DELETE', `/pins/${requestid}`, bob)).status, 202)
    assert.equal((await psa('GET', `/pins/${requestid}`, bob)).status, 404)
    assert.equal((await psa('GET', `/pins/${second.body.requestid}`, charlie)).body.status, 'pinned')
    assert.equal((await ordersOf(cid)).length, 1, 'exactly one order for the CID')
  })

  it('behavior: 1,000 pin requests from 10 accounts in a burst are all accepted and ordered once per CID', async (t) => {
    const users = Array.from({ length: 10 }, (_, i) => keyring.addFromUri(`//BurstUser${i}`))
    const cids: string[] = []
    for (let i = 0; i < 100; i++) cids.push(await addToIpfs(`burst file ${i} ${Date.now()}`))
    const started = performance.now()
    const results = await Promise.all(users.flatMap((user, u) => cids.map((cid, i) => psa('POST', '/pins', user, { cid, name: `u${u}-f${i}` }))))
    const accepted = performance.now() - started
    assert.equal(results.length, 1000)
    assert.ok(results.every((r) => r.status === 202))
    assert.equal(new Set(results.map((r) => r.body.requestid)).size, 1000)
    await waitFor(
      async () => {
        const orders = await Promise.all(cids.map((cid) => services.store.getOrder(cid)))
        return orders.every((o) => o?.phase === 'placed') ? true : undefined
      },
      'all burst orders placed',
      180_000,
    )
    const ordered = performance.now() - started
    for (const user of users) {
      const list = await psa('GET', '/pins?limit=1000', user)
      assert.equal((list.body as unknown as { count: number }).count, 100)
    }
    for (const cid of cids) assert.equal((await ordersOf(cid)).length, 1, `one order for ${cid}`)
    t.diagnostic(`accepted 1000 pins in ${accepted.toFixed(0)} ms (${((1000 * 1000) / accepted).toFixed(0)} pins/s)`)
    t.diagnostic(`100 orders placed ${ordered.toFixed(0)} ms after the burst started (${((100 * 1000) / ordered).toFixed(1)} orders/s, 500 ms blocks)`)
    t.diagnostic(`engine: ${JSON.stringify(services.engine.stats)}`)
  })

  it('behavior: an order close to expiry is renewed (placeStorageOrder again) and its expiry moves', async () => {
    assert.ok(storedCid !== '', 'needs the first test')
    const before = (await chainFile(storedCid)) as unknown as { expiredAt: number }
    assert.ok(before.expiredAt > 0)
    const head = (await api.rpc.chain.getHeader()).number.toNumber()
    const store = await openEmbeddedPinStore({ dataDir: join(dir, 'renew') })
    const payer = keyring.addFromUri('//Bob')
    // Due for renewal now: the margin covers the remaining period, but stays below the file duration.
    const margin = Math.min(RUNTIME.fileDuration - 1, before.expiredAt - head + 5)
    const engine = createOrderEngine({
      store,
      api,
      account: payer,
      ipfsApi: ipfs.api,
      pollIntervalMs: 200,
      statusIntervalMs: 300,
      renewMarginBlocks: margin,
      logger,
    })
    await engine.start()
    try {
      await store.addPin({ owner: 'substrate-renewer', cid: storedCid })
      engine.wake()
      const renewed = await waitFor(async () => {
        const o = await store.getOrder(storedCid)
        return o !== undefined && o.orders >= 1 && o.phase === 'placed' ? o : undefined
      }, 'the renewal order')
      assert.ok(BigInt(renewed.fee!) > 0n)
      const afterRenewal = (await chainFile(storedCid)) as unknown as { expiredAt: number }
      assert.ok(afterRenewal.expiredAt > before.expiredAt, `expiry ${before.expiredAt} -> ${afterRenewal.expiredAt}`)
      assert.ok(
        (await ordersOf(storedCid)).some((e) => e.who === payer.address),
        'the renewal is a FileSuccess from the payer',
      )
    } finally {
      await engine.stop()
      await store.close()
    }
  })

  it('behavior: an engine stopped after persisting `submitting`, or after sending, restarts into exactly one order each', async () => {
    const dataDir = join(dir, 'crash')
    const payer = keyring.addFromUri('//Charlie')
    const x = await addToIpfs(`crash window one ${Date.now()}`)
    const y = await addToIpfs(`crash window two ${Date.now()}`)
    let store: PinStore = await openEmbeddedPinStore({ dataDir })
    const engineWith = (s: PinStore, hooks: OrderEngineHooks = {}): OrderEngine =>
      createOrderEngine({ store: s, api, account: payer, ipfsApi: ipfs.api, pollIntervalMs: 200, statusIntervalMs: 300, hooks, logger })
    /** A hook that reports when reached and never returns (the engine is "killed" there). */
    const freezeAt = (cid: string) => {
      let reached: () => void = () => {}
      const at = new Promise<void>((resolve) => {
        reached = resolve
      })
      const hook = (o: { cid: string }) => {
        if (o.cid !== cid) return undefined
        reached()
        return new Promise<void>(() => {})
      }
      return { at, hook }
    }

    // Window 1: the signed order is persisted, then the engine dies before sending it.
    const one = freezeAt(x)
    let engine = engineWith(store, { afterSubmittingPersisted: one.hook })
    await engine.start()
    await store.addPin({ owner: 'substrate-user', cid: x })
    engine.wake()
    await one.at
    await engine.stop()
    await store.close()
    store = await openEmbeddedPinStore({ dataDir })
    assert.equal((await store.getOrder(x))?.phase, 'submitting')
    assert.equal(await chainFile(x), undefined, 'nothing was sent')

    // Restart (reconciles X by resending the same bytes); window 2: Y is sent, then the engine dies.
    const two = freezeAt(y)
    engine = engineWith(store, { afterSent: two.hook })
    await engine.start()
    await store.addPin({ owner: 'substrate-user', cid: y })
    engine.wake()
    await two.at
    await engine.stop()
    await store.close()
    await waitFor(async () => ((await chainFile(y)) === undefined ? undefined : true), 'the order sent before the crash to be included')
    store = await openEmbeddedPinStore({ dataDir })
    assert.equal((await store.getOrder(y))?.phase, 'submitting', 'the crash left Y unrecorded')

    // Restart: Y is found on chain, not ordered again.
    engine = engineWith(store)
    await engine.start()
    try {
      for (const cid of [x, y]) {
        const order = await waitFor(async () => {
          const o = await store.getOrder(cid)
          return o?.phase === 'placed' ? o : undefined
        }, `order of ${cid} placed`)
        assert.equal(order.orders, 1)
        assert.equal((await chainFile(cid))?.fileSize, await cumulativeSize(cid))
        assert.deepEqual(
          (await ordersOf(cid)).map((e) => e.who),
          [payer.address],
          `exactly one order for ${cid}`,
        )
      }
    } finally {
      await engine.stop()
      await store.close()
    }
  })
})
