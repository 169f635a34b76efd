/**
 * Kill -9 between accepting pins and ordering them, with real processes: `crust gateway` against a
 * `crust node` child (500 ms blocks) and a `crust ipfs daemon` child. A burst of pins is accepted
 * (202), the gateway is SIGKILLed right after the last 202 while its orders are in flight, and a new
 * `crust gateway` on the same store finishes the work: every pin is still there and every CID is
 * ordered exactly once (one market.FileSuccess per CID over the chain's blocks, and the service
 * account's nonce moved by exactly the number of CIDs). Embedded store, and PostgreSQL when
 * CRUST_TEST_PG_URL is set (in CI it must be).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import pg from 'pg'
import { openEmbeddedPinStore, openPostgresPinStore, type OrderPhase, type PinStore } from '../src/store/index.js'
import { type ChainNode, connectApi, startChainNode, waitFor } from './fixtures/chain-node.js'
import { PG_SKIP, pgUrl } from './fixtures/postgres.js'
import { type IpfsProcess, kill, startGatewayProcess, startIpfsProcess } from './fixtures/processes.js'
import { subAuth, subKey } from './fixtures/w3auth-keys.js'

const CIDS = 40
const USER_KEYS = ['//KillUser1', '//KillUser2'].map((uri) => subKey(uri))
const USERS = USER_KEYS.map((key) => subAuth(key))
const PHASES: OrderPhase[] = ['queued', 'submitting', 'placed', 'failed']

describe('crust gateway killed (SIGKILL) between accepting pins and ordering them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-kill-'))
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  let node: ChainNode
  let api: ApiPromise
  let ipfs: IpfsProcess

  /** market.FileSuccess (who, cid) of blocks from..head. */
  async function fileSuccesses(from: number): Promise<Array<{ who: string; cid: string }>> {
    const head = (await api.rpc.chain.getHeader()).number.toNumber()
    const out: Array<{ who: string; cid: string }> = []
    for (let n = from; n <= head; n++) {
      const at = await api.at(await api.rpc.chain.getBlockHash(n))
      const events = (await at.query.system!.events!()) as unknown as Array<{
        event: { section: string; method: string; data: Array<{ toString(): string; toUtf8?(): string }> }
      }>
      for (const { event } of events) {
        if (event.section === 'market' && event.method === 'FileSuccess') out.push({ who: event.data[0]!.toString(), cid: event.data[1]!.toUtf8!() })
      }
    }
    return out
  }

  async function addFiles(tag: string): Promise<string[]> {
    const cids: string[] = []
    for (let i = 0; i < CIDS; i++) {
      const form = new FormData()
      form.append('file', new Blob([`${tag} file ${i} ${Date.now()}\n`.repeat(100)]), 'f')
      const res = await fetch(`${ipfs.api}/api/v0/add?pin=false&cid-version=1`, { method: 'POST', body: form })
      cids.push(((await res.json()) as { Hash: string }).Hash)
    }
    return cids
  }

  async function listCount(psa: string, authorization: string, query: string): Promise<number> {
    const res = await fetch(`${psa}/pins?limit=1000${query}`, { headers: { authorization } })
    assert.equal(res.status, 200)
    return ((await res.json()) as { count: number }).count
  }

  async function scenario(t: TestContext, tag: string, account: string, storeArgs: string[], openStore: () => Promise<PinStore>) {
    const payer = keyring.addFromUri(account).address
    const cids = await addFiles(tag)
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber() + 1
    const nonceBefore = (await api.rpc.system.accountNextIndex(payer)).toNumber()
    const args = ['--ipfs-api', ipfs.api, '--ipfs-gateway', ipfs.gateway, '--chain', node.url, '--account', account, ...storeArgs]

    let gw = await startGatewayProcess(args)
    const post = (cid: string, i: number) =>
      Promise.all(
        USERS.map(async (authorization, u) => {
          const res = await fetch(`${gw.psa}/pins`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify({ cid, name: `${tag}-u${u}-f${i}` }),
          })
          await res.body?.cancel()
          return res.status
        }),
      )
    // The burst, then the last CID's pins: killed as soon as they are accepted, that order cannot be placed yet.
    const accepted = (await Promise.all(cids.slice(0, -1).map(post))).flat()
    accepted.push(...(await post(cids.at(-1)!, CIDS - 1)))
    assert.equal(await kill(gw, 'SIGKILL'), 'SIGKILL')
    assert.deepEqual(new Set(accepted), new Set([202]), 'every pin was accepted before the kill')

    // What the crash left in the store: every accepted pin, some orders not yet placed.
    const left = await openStore()
    const phases = new Map<string, number>()
    let lastPhase: OrderPhase | undefined
    try {
      const orders = (await left.listOrders({ phases: PHASES, limit: 10_000 })).filter((o) => cids.includes(o.cid))
      for (const o of orders) phases.set(o.phase, (phases.get(o.phase) ?? 0) + 1)
      lastPhase = orders.find((o) => o.cid === cids.at(-1))?.phase
      assert.equal(orders.length, CIDS, 'one order per CID survived the kill')
      for (const key of USER_KEYS) {
        // W3Auth names a substrate account by its public key (one key, one account).
        const owner = `substrate-${u8aToHex(key.publicKey)}`
        assert.equal((await left.listPins({ owner, name: `${tag}-`, match: 'partial', limit: 1000 })).count, CIDS, 'every accepted pin survived the kill')
      }
    } finally {
      await left.close()
    }
    t.diagnostic(`${tag}: orders at the kill: ${JSON.stringify(Object.fromEntries(phases))}`)
    assert.ok((phases.get('placed') ?? 0) < CIDS, 'the kill came while orders were still in flight')
    assert.equal(lastPhase === 'queued' || lastPhase === 'submitting', true, `the last accepted CID's order was ${lastPhase} at the kill`)

    gw = await startGatewayProcess(args)
    try {
      await waitFor(
        async () => ((await listCount(gw.psa, USERS[0]!, '&status=pinning,pinned')) >= CIDS ? true : undefined),
        'every order placed after the restart',
        180_000,
      )
      for (const authorization of USERS) assert.equal(await listCount(gw.psa, authorization, `&name=${tag}-&match=partial`), CIDS, 'no pin lost')
      // A few more blocks, so an order sent twice would have been included by now.
      const head = (await api.rpc.chain.getHeader()).number.toNumber()
      await waitFor(async () => ((await api.rpc.chain.getHeader()).number.toNumber() >= head + 4 ? true : undefined), 'four more blocks')
      const events = (await fileSuccesses(startBlock)).filter((e) => cids.includes(e.cid))
      for (const cid of cids) assert.equal(events.filter((e) => e.cid === cid).length, 1, `exactly one order for ${cid}`)
      assert.ok(
        events.every((e) => e.who === payer),
        'paid by the service account',
      )
      const nonceAfter = (await api.rpc.system.accountNextIndex(payer)).toNumber()
      assert.equal(nonceAfter - nonceBefore, CIDS, 'the service account sent one extrinsic per CID')
    } finally {
      await kill(gw)
    }
  }

  before(async () => {
    await cryptoWaitReady()
    node = await startChainNode(dir, { reportSlot: 20, fileDuration: 2000, eraLength: 120 })
    api = await connectApi(node.url)
    ipfs = await startIpfsProcess(join(dir, 'ipfs'))
  })

  after(async () => {
    await api?.disconnect()
    if (ipfs !== undefined) await kill(ipfs)
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: embedded store: every accepted pin is ordered exactly once after the restart', async (t) => {
    const dataDir = join(dir, 'gateway-data')
    await scenario(t, 'embedded', '//Ferdie', ['--data', dataDir], () => openEmbeddedPinStore({ dataDir }))
  })

  it('behavior: PostgreSQL store: every accepted pin is ordered exactly once after the restart', {
    skip: PG_SKIP,
  }, async (t) => {
    const PG_URL = pgUrl()
    const schema = `crust_gw_kill_${process.pid}_${Date.now()}`
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    try {
      await admin.query(`CREATE SCHEMA "${schema}"`)
      // `crust gateway --pg-url` uses the URL's search_path: the startup `options` put it in the fresh schema.
      const url = new URL(PG_URL)
      url.searchParams.set('options', `-c search_path=${schema}`)
      await scenario(t, 'pg', '//Eve', ['--pg-url', url.href], () => openPostgresPinStore({ url: PG_URL, schema }))
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    }
  })
})
