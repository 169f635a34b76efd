/**
 * Strangers against a real `crust gateway` process (with a `crust ipfs daemon` child and a `crust node`
 * chain): a tenant cannot unpin, GC or dial on another tenant's behalf; a DAG whose root declares a
 * false Tsize is not ordered at the declared size; and 500 CIDs that never resolve, pinned by one
 * fresh key, hit that account's limit while another account's pin is still ordered.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import type { ApiPromise } from '@polkadot/api'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { create } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { PinStatusJson } from '../src/psa/index.js'
import { type ChainNode, connectApi, startChainNode, waitFor } from './fixtures/chain-node.js'
import { type GatewayProcess, type IpfsProcess, kill, startGatewayProcess, startIpfsProcess } from './fixtures/processes.js'
import { subAuth, subKey } from './fixtures/w3auth-keys.js'

const GIB = 2 ** 30

describe('crust gateway against hostile tenants and pinning-service users', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-tenants-'))
  let node: ChainNode
  let api: ApiPromise
  let ipfs: IpfsProcess
  let gw: GatewayProcess

  /** A command straight to the node's API (the operator's view). */
  async function nodeApi<T>(command: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${ipfs.api}/api/v0/${command}`, { method: 'POST' })
    const text = await res.text()
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text.trim().split('\n').at(-1)!)) as T }
  }

  async function nodePinned(cid: string): Promise<boolean> {
    const res = await nodeApi<{ Keys?: Record<string, unknown> }>(`pin/ls?arg=${cid}&type=recursive`)
    return res.status === 200 && Object.keys(res.body.Keys ?? {}).length > 0
  }

  /** A tenant's call through the gateway. */
  async function tenant(authorization: string, command: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.gateway}/api/v0/${command}`, { method: 'POST', headers: { authorization } })
    const text = await res.text()
    return { status: res.status, body: text === '' ? {} : (JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>) }
  }

  async function psa(
    authorization: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: PinStatusJson & { count?: number; error?: { reason: string } } }> {
    const res = await fetch(`${gw.psa}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text === '' ? ({} as never) : JSON.parse(text) }
  }

  async function blockPut(bytes: Uint8Array, codec: string): Promise<string> {
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'block')
    const res = await fetch(`${ipfs.api}/api/v0/block/put?cid-codec=${codec}`, { method: 'POST', body: form })
    assert.equal(res.status, 200)
    return ((await res.json()) as { Key: string }).Key
  }

  async function addToNode(text: string): Promise<string> {
    const form = new FormData()
    form.append('file', new Blob([text]), 'f')
    const res = await fetch(`${ipfs.api}/api/v0/add?pin=false&cid-version=1`, { method: 'POST', body: form })
    return ((await res.json()) as { Hash: string }).Hash
  }

  async function chainFile(cid: string): Promise<{ fileSize: number } | undefined> {
    const v = (await api.query.market!.filesV2!(cid)) as unknown as { isNone: boolean; toJSON(): { fileSize: number } }
    return v.isNone ? undefined : v.toJSON()
  }

  before(async () => {
    await cryptoWaitReady()
    node = await startChainNode(dir, { reportSlot: 20, fileDuration: 2000, eraLength: 120 })
    api = await connectApi(node.url)
    ipfs = await startIpfsProcess(join(dir, 'ipfs'))
    gw = await startGatewayProcess([
      '--ipfs-api',
      ipfs.api,
      '--ipfs-gateway',
      ipfs.gateway,
      '--chain',
      node.url,
      '--account',
      '//Ferdie',
      '--data',
      join(dir, 'gateway'),
    ])
  })

  after(async () => {
    if (gw !== undefined) await kill(gw)
    await api?.disconnect()
    if (ipfs !== undefined) await kill(ipfs)
    await node?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it("error: tenant B cannot unpin, GC or dial on tenant A's behalf; A's file stays retrievable", async () => {
    const a = subAuth(subKey('//TenantA'))
    const b = subAuth(subKey('//TenantB'))
    const text = `tenant A's file ${Date.now()}\n`.repeat(1000)
    const added = await create({ url: `${gw.gateway}/api/v0`, headers: { authorization: a } }).add(new TextEncoder().encode(text))
    const cid = added.cid.toString()
    assert.equal(await nodePinned(cid), true, "A's add pinned the file on the node")
    assert.ok(Object.keys(((await tenant(a, 'pin/ls')).body.Keys as Record<string, unknown>) ?? {}).length === 1, 'A sees its pin')
    assert.deepEqual((await tenant(b, 'pin/ls')).body, {}, "B sees none of A's pins")

    // B's pin/rm of A's CID: not B's pin.
    const rm = await tenant(b, `pin/rm?arg=${cid}`)
    assert.equal(rm.status, 500)
    assert.match(String(rm.body.Message), /not pinned/)
    assert.equal(await nodePinned(cid), true, "A's pin survives B's pin/rm")

    // Node-wide and destructive commands: 403 JSON, nothing reaches the node.
    for (const command of [
      'repo/gc',
      `block/rm?arg=${cid}`,
      'swarm/connect?arg=/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
      'swarm/peers',
      'config?arg=Addresses.API',
      'shutdown',
      'key/gen?arg=x',
      'name/publish?arg=x',
      `pin/update?arg=${cid}&arg=${cid}`,
    ]) {
      const res = await fetch(`${gw.gateway}/api/v0/${command}`, { method: 'POST', headers: { authorization: b } })
      assert.equal(res.status, 403, command)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/)
      assert.deepEqual(await res.json(), { Error: 'Forbidden' }, command)
    }

    // B pins the same CID (already on the node: nothing fetched), then removes its own pin: A's stays.
    assert.equal((await tenant(b, `pin/add?arg=${cid}`)).status, 200)
    assert.deepEqual(Object.keys((await tenant(b, 'pin/ls')).body.Keys as Record<string, unknown>), [added.cid.toV1().toString()])
    assert.equal((await tenant(b, `pin/rm?arg=${cid}`)).status, 200)
    assert.equal(await nodePinned(cid), true, "B's unpin leaves the node's pin for A")

    // Even the operator's GC keeps it: A's file is retrievable through the API and the open gateway.
    assert.equal((await nodeApi('repo/gc')).status, 200)
    const cat = await fetch(`${gw.gateway}/api/v0/cat?arg=${cid}`, { method: 'POST', headers: { authorization: a } })
    assert.equal(cat.status, 200)
    assert.equal(await cat.text(), text)
    assert.equal(await (await fetch(`${gw.gateway}/ipfs/${cid}`)).text(), text)

    // The last holder's pin/rm releases the node's pin.
    assert.equal((await tenant(a, `pin/rm?arg=${cid}`)).status, 200)
    assert.equal(await nodePinned(cid), false, 'no holder left: the node unpinned it')
  })

  it('error: a DAG whose root declares a false Tsize is refused (failed, with the reason), not ordered at the declared size', async () => {
    const bob = subAuth(subKey('//Bob'))
    const child = await blockPut(new TextEncoder().encode(`a few real bytes ${Date.now()}`), 'raw')
    // A UnixFS file node (Type=File, one block size) whose only link claims 7 GiB below it.
    const root = await blockPut(
      dagPb.encode(dagPb.prepare({ Data: new Uint8Array([0x08, 0x02, 0x20, 0x1d]), Links: [{ Hash: CID.parse(child), Name: '', Tsize: 7 * GIB }] })),
      'dag-pb',
    )
    const declared = await nodeApi<{ CumulativeSize: number }>(`files/stat?arg=/ipfs/${root}`)
    assert.ok(declared.body.CumulativeSize > 7 * GIB, `files/stat trusts the Tsize: ${declared.body.CumulativeSize}`)

    const created = await psa(bob, 'POST', '/pins', { cid: root, name: 'fake tsize' })
    assert.equal(created.status, 202)
    const settled = await waitFor(async () => {
      const r = await psa(bob, 'GET', `/pins/${created.body.requestid}`)
      return r.body.status === 'queued' ? undefined : r.body
    }, 'the pin to leave queued')
    assert.equal(settled.status, 'failed', `status ${settled.status}: ${settled.info.status_details}`)
    assert.match(settled.info.status_details!, /Tsize/)
    assert.equal(settled.info.size, undefined, 'no size was recorded')
    assert.equal(await chainFile(root), undefined, 'nothing was ordered')
  })

  it('error: 500 never-resolving CIDs from one fresh key hit its limit; another account still gets its pin ordered', async () => {
    const mallory = subAuth(subKey(`//Mallory/${randomBytes(8).toString('hex')}`))
    const bob = subAuth(subKey('//Bob'))
    const cids = await Promise.all(Array.from({ length: 500 }, async () => CID.createV1(raw.code, await sha256.digest(randomBytes(32))).toString()))
    const answers = await Promise.all(cids.map((cid, i) => psa(mallory, 'POST', '/pins', { cid, name: `junk ${i}` })))
    const accepted = answers.filter((r) => r.status === 202).length
    const limited = answers.filter((r) => r.status === 429)
    assert.equal(accepted, 200, 'the default 200 pending pins per account')
    assert.equal(limited.length, 300)
    assert.ok(limited.every((r) => r.body.error?.reason === 'ACCOUNT_LIMIT'))

    const cid = await addToNode(`bob's file among the junk ${Date.now()}\n`.repeat(200))
    const created = await psa(bob, 'POST', '/pins', { cid, name: 'bob among the junk' })
    assert.equal(created.status, 202)
    const ordered = await waitFor(
      async () => {
        const r = await psa(bob, 'GET', `/pins/${created.body.requestid}`)
        return r.body.status === 'pinning' || r.body.status === 'pinned' ? r.body : undefined
      },
      "Bob's pin to be ordered",
      120_000,
    )
    assert.equal(ordered.info.orders_placed, '1')
    assert.ok((await chainFile(cid)) !== undefined, "Bob's order is on chain")

    const mine = await psa(mallory, 'GET', '/pins?limit=1000')
    assert.equal(mine.body.count, 200)
    const progressed = await psa(mallory, 'GET', '/pins?status=pinning,pinned&limit=1')
    assert.equal(progressed.body.count, 0, 'none of the junk got an order')
  })
})
