/**
 * The pinning service as its users' tools see it: `crust dev` (a validator and three storage nodes
 * as real processes, the W3Auth gateway and the pinning service paid by //Gateway) driven by the
 * OpenAPI client generated from the IPFS Pinning Service spec (@ipfs-shipyard/pinning-service-client).
 * Content goes in through the W3Auth gateway; pins are added, listed with every filter, replaced and
 * deleted; a pin turns `pinned` once the storage nodes report 3 replicas on chain; substrate,
 * ethereum and solana users each see only their own pins.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Configuration, type PinStatus, RemotePinningServiceClient, Status, TextMatchingStrategy } from '@ipfs-shipyard/pinning-service-client'
import type { ApiPromise } from '@polkadot/api'
import { u8aToHex } from '@polkadot/util'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { encodeW3AuthToken } from '../src/auth/index.js'
import { connectApi, waitFor } from './fixtures/chain-node.js'
import { type DevProcess, devArgs, startDev, writeDevSpec } from '@crust-ts/testkit'
import { ethKey, solKey, subKey } from './fixtures/w3auth-keys.js'

const REPORT_SLOT = 10
const SRD_UNIT = 16 * 1024 * 1024

/** A response the generated client threw (it throws the `Response` of any non-2xx answer). */
function status(code: number) {
  return (err: unknown) => err instanceof Response && err.status === code
}

describe('pinning service with the IPFS pinning-service client on crust dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-client-'))
  let dev: DevProcess
  let api: ApiPromise
  const subUser = subKey('//PsaClientUser')
  const subToken = encodeW3AuthToken('sub', subUser.address, u8aToHex(subUser.sign(subUser.address)))
  let client: RemotePinningServiceClient

  const clientFor = (token: string) => new RemotePinningServiceClient(new Configuration({ endpointUrl: dev.gateway!.psa, accessToken: token }))

  /** Adds bytes through the W3Auth gateway (as the user whose token it is); returns the CID. */
  async function upload(token: string, text: string): Promise<string> {
    const form = new FormData()
    form.append('file', new Blob([text]), 'file.txt')
    const res = await fetch(`${dev.gateway!.gateway}/api/v0/add?cid-version=1`, { method: 'POST', body: form, headers: { authorization: `Basic ${token}` } })
    assert.equal(res.status, 200)
    return ((await res.json()) as { Hash: string }).Hash
  }

  /** Pins one after the other with distinct `created` milliseconds (the spec paginates by `created`). */
  async function pinAll(c: RemotePinningServiceClient, pins: Array<{ cid: string; name: string; meta?: Record<string, string> }>): Promise<PinStatus[]> {
    const out: PinStatus[] = []
    for (const pin of pins) {
      const last = out.at(-1)?.created.getTime() ?? 0
      await waitFor(async () => (Date.now() > last ? true : undefined), 'the next millisecond')
      out.push(await c.pinsPost({ pin }))
    }
    return out
  }

  async function chainReplicas(cid: string): Promise<number> {
    const file = (await api.query.market!.filesV2!(cid)) as unknown as { isNone: boolean; toJSON(): { reportedReplicaCount: number } }
    return file.isNone ? 0 : file.toJSON().reportedReplicaCount
  }

  before(async () => {
    await cryptoWaitReady()
    const spec = writeDevSpec(dir, { reportSlot: REPORT_SLOT, fileDuration: 2000, eraLength: 6 * REPORT_SLOT })
    dev = await startDev(join(dir, 'dev'), devArgs({ spec, storageNodes: 3, srdUnits: 2, srdUnit: SRD_UNIT }))
    api = await connectApi(dev.chainRpc)
    client = clientFor(subToken)
  })

  after(async () => {
    await api?.disconnect()
    await dev?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: add, list with every filter, replace and delete; the pin turns pinned once 3 replicas are reported on chain', async () => {
    const stamp = Date.now()
    const [cidA, cidB, cidC, cidD] = await Promise.all(['a', 'b', 'c', 'd'].map((x) => upload(subToken, `${x} ${stamp}\n`.repeat(2000))))
    const [a, b, c] = await pinAll(client, [
      { cid: cidA!, name: 'photos-2024', meta: { app: 'gallery' } },
      { cid: cidB!, name: 'Photos-archive', meta: { app: 'gallery' } },
      { cid: cidC!, name: 'notes', meta: { app: 'editor' } },
    ])
    assert.equal(a!.status, Status.Queued)
    assert.equal(a!.pin.cid, cidA)
    assert.ok(a!.delegates.length > 0 && a!.delegates.every((d) => d.includes('/p2p/')), 'delegates are the node multiaddrs')
    assert.deepEqual(await client.pinsRequestidGet({ requestid: a!.requestid }).then((p) => [p.requestid, p.pin.name]), [a!.requestid, 'photos-2024'])

    const names = async (query: Parameters<RemotePinningServiceClient['pinsGet']>[0]) => {
      const r = await client.pinsGet(query)
      return { count: r.count, names: r.results.map((p) => p.pin.name) }
    }
    assert.deepEqual(await names({}), { count: 3, names: ['notes', 'Photos-archive', 'photos-2024'] }, 'newest first')
    assert.deepEqual(await names({ cid: [cidA!, cidC!] }), { count: 2, names: ['notes', 'photos-2024'] })
    assert.deepEqual(await names({ name: 'notes' }), { count: 1, names: ['notes'] })
    assert.deepEqual(await names({ name: 'photos-2024', match: TextMatchingStrategy.Exact }), { count: 1, names: ['photos-2024'] })
    assert.deepEqual(await names({ name: 'PHOTOS-2024', match: TextMatchingStrategy.Iexact }), { count: 1, names: ['photos-2024'] })
    assert.deepEqual(await names({ name: 'hotos', match: TextMatchingStrategy.Partial }), { count: 2, names: ['Photos-archive', 'photos-2024'] })
    assert.deepEqual(await names({ name: 'photos', match: TextMatchingStrategy.Partial }), { count: 1, names: ['photos-2024'] })
    assert.deepEqual(await names({ name: 'PHOTOS', match: TextMatchingStrategy.Ipartial }), { count: 2, names: ['Photos-archive', 'photos-2024'] })
    assert.deepEqual(await names({ meta: { app: 'gallery' } }), { count: 2, names: ['Photos-archive', 'photos-2024'] })
    assert.deepEqual(await names({ status: [Status.Queued, Status.Pinning, Status.Pinned, Status.Failed] }), {
      count: 3,
      names: ['notes', 'Photos-archive', 'photos-2024'],
    })
    assert.deepEqual(await names({ status: [Status.Failed] }), { count: 0, names: [] })
    assert.deepEqual(await names({ limit: 1 }), { count: 3, names: ['notes'] }, 'count is the total, results the page')
    assert.deepEqual(await names({ before: b!.created }), { count: 1, names: ['photos-2024'] })
    assert.deepEqual(await names({ after: a!.created }), { count: 2, names: ['notes', 'Photos-archive'] })
    assert.deepEqual(await names({ after: a!.created, before: c!.created }), { count: 1, names: ['Photos-archive'] })
    // Paginating with `before` = the oldest `created` of a page reads everything once.
    const pages: string[] = []
    for (let before: Date | undefined; ; ) {
      const page = await client.pinsGet({ limit: 2, ...(before === undefined ? {} : { before }) })
      if (page.results.length === 0) break
      pages.push(...page.results.map((p) => p.pin.name!))
      before = page.results.at(-1)!.created
    }
    assert.deepEqual(pages, ['notes', 'Photos-archive', 'photos-2024'])

    // Replace B by D: a new requestid for the new CID, the old one gone.
    const replaced = await client.pinsRequestidPost({ requestid: b!.requestid, pin: { cid: cidD!, name: 'Photos-archive-v2' } })
    assert.notEqual(replaced.requestid, b!.requestid)
    assert.equal(replaced.pin.cid, cidD)
    await assert.rejects(client.pinsRequestidGet({ requestid: b!.requestid }), status(404))
    assert.deepEqual(await names({ cid: [cidB!] }), { count: 0, names: [] })
    assert.deepEqual(await names({ cid: [cidD!] }), { count: 1, names: ['Photos-archive-v2'] })

    // Delete C.
    await client.pinsRequestidDelete({ requestid: c!.requestid })
    await assert.rejects(client.pinsRequestidGet({ requestid: c!.requestid }), status(404))
    await assert.rejects(client.pinsRequestidDelete({ requestid: c!.requestid }), status(404))
    assert.deepEqual(await names({}), { count: 2, names: ['Photos-archive-v2', 'photos-2024'] })

    // A: ordered by the service account, fetched and sealed by the three storage nodes, reported → pinned.
    const pinned = await waitFor(
      async () => {
        const p = await client.pinsRequestidGet({ requestid: a!.requestid })
        return p.status === Status.Pinned ? p : undefined
      },
      'pin A to be pinned',
      240_000,
    )
    assert.ok(Number(pinned.info?.replicas) >= 3, `info.replicas ${pinned.info?.replicas}`)
    assert.ok(BigInt(pinned.info?.fee ?? '0') > 0n, 'info carries the fee paid')
    assert.ok((await chainReplicas(cidA!)) >= 3, 'three replicas reported on chain')
    assert.deepEqual(await names({ status: [Status.Pinned], cid: [cidA!] }), { count: 1, names: ['photos-2024'] })
  })

  it('behavior: ethereum- and solana-key users pin through the same client; each user sees only its own pins', async () => {
    const eth = ethKey()
    const sol = solKey()
    const ethToken = encodeW3AuthToken('eth', eth.address, eth.sign(eth.address))
    const solToken = encodeW3AuthToken('sol', sol.address, sol.sign(sol.address))
    const users = [
      { who: 'substrate', token: subToken },
      { who: 'ethereum', token: ethToken },
      { who: 'solana', token: solToken },
    ]
    const shared = await upload(ethToken, `shared by everyone ${Date.now()}\n`)
    const mine = new Map<string, PinStatus[]>()
    for (const { who, token } of users) {
      const own = await upload(token, `${who}'s own file ${Date.now()}\n`)
      mine.set(
        who,
        await pinAll(clientFor(token), [
          { cid: own, name: `${who} own` },
          { cid: shared, name: `${who} shared` },
        ]),
      )
    }
    for (const { who, token } of users) {
      const c = clientFor(token)
      const list = await c.pinsGet({ name: who, match: TextMatchingStrategy.Partial, limit: 1000 })
      assert.deepEqual(list.results.map((p) => p.pin.name).sort(), [`${who} own`, `${who} shared`])
      const listed = new Set((await c.pinsGet({ limit: 1000 })).results.map((p) => p.requestid))
      assert.equal((await c.pinsGet({ cid: [shared] })).count, 1, 'its own pin of the shared CID only')
      for (const { who: other } of users) {
        if (other === who) continue
        for (const pin of mine.get(other)!) {
          assert.equal(listed.has(pin.requestid), false, `${who} does not list ${other}'s pins`)
          await assert.rejects(c.pinsRequestidGet({ requestid: pin.requestid }), status(404))
          await assert.rejects(c.pinsRequestidPost({ requestid: pin.requestid, pin: { cid: shared } }), status(404))
          await assert.rejects(c.pinsRequestidDelete({ requestid: pin.requestid }), status(404))
        }
      }
    }
    // Every user's pin of the shared CID follows the one order placed for it.
    for (const { who, token } of users) {
      await waitFor(
        async () => {
          const p = await clientFor(token).pinsRequestidGet({ requestid: mine.get(who)![1]!.requestid })
          return p.status === Status.Pinning || p.status === Status.Pinned ? p : undefined
        },
        `${who}'s shared pin to be ordered`,
        120_000,
      )
    }
    await assert.rejects(clientFor(encodeW3AuthToken('sol', sol.address, eth.sign(sol.address))).pinsGet({}), status(401))
  })
})
