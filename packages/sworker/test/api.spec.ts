/** The sWorker HTTP API over a real Sworker (temp folder) and real HTTP. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { blockMatchesCid, blockstoreBlockSource, devAttestationAuthority, Sworker, SworkerApi } from '../src/index.js'
import { fileBytes, importFile, tempDir } from './fixtures/dag.js'

describe('sworker api', () => {
  const tmp = tempDir()
  let sworker: Sworker
  let api: SworkerApi
  let base: string
  let cid: string

  before(async () => {
    sworker = await Sworker.open({ dataDir: join(tmp.dir, 'w'), authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
    const dag = await importFile(fileBytes(1024 * 1024))
    cid = dag.cid.toString()
    api = new SworkerApi(sworker, { port: 0, blockSource: blockstoreBlockSource(dag.blockstore), dataDir: tmp.dir, currentBlock: () => 42 })
    const { port } = await api.start()
    base = `http://127.0.0.1:${port}/api/v0`
  })

  after(async () => {
    await api.stop()
    await sworker.close()
    tmp.remove()
  })

  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })

  it('behavior: seal_start pulls and seals the file; file/info and workload show it', async () => {
    const started = await post('/storage/seal_start', { cid })
    assert.equal(started.status, 200)
    assert.equal(((await started.json()) as { status_code: number }).status_code, 0)
    const deadline = Date.now() + 30_000
    let info: Record<string, { type: string; size: number; c_block_num: number }> = {}
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/file/info?cid=${cid}`)
      if (res.status === 200) {
        info = (await res.json()) as typeof info
        if (info[cid]?.type === 'valid') break
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(info[cid]?.type, 'valid')
    assert.equal(info[cid]?.c_block_num, 42)
    assert.equal((await post('/storage/seal_end', { cid })).status, 200)
    const again = (await (await post('/storage/seal_start', { cid })).json()) as { status_code: number }
    assert.equal(again.status_code, 8012, 'already sealed')
    const workload = (await (await fetch(`${base}/workload`)).json()) as { files: { valid: { num: number; size: number } } }
    assert.equal(workload.files.valid.num, 1)
    const byType = (await (await fetch(`${base}/file/info_by_type?type=valid`)).json()) as Record<string, unknown>
    assert.deepEqual(Object.keys(byType), [cid])
  })

  it('behavior: storage/unseal returns each original block by its index path', async () => {
    let index = 0
    for await (const original of sworker.sealer.unseal(cid)) {
      const res = await post('/storage/unseal', { path: `${cid}/${index}` })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('x-block-cid'), original.cid.toString())
      const bytes = new Uint8Array(await res.arrayBuffer())
      assert.deepEqual(bytes, original.bytes)
      assert.ok(blockMatchesCid(original.cid, bytes), 'the bytes hash to the block CID')
      index++
    }
    assert.ok(index > 1, 'a multi-block file')
    assert.equal((await post('/storage/unseal', { path: `${cid}/${index}` })).status, 400, 'past the last block')
    assert.equal((await post('/storage/unseal', { path: 'empty' })).status, 200)
    assert.equal((await post('/storage/unseal', { path: cid })).status, 400)
    assert.equal((await post('/storage/unseal', { path: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG/0' })).status, 404)
  })

  it('behavior: srd/change adds units and id_info shows the enclave key', async () => {
    const res = await post('/srd/change', { change: 2 })
    assert.equal(res.status, 200)
    assert.equal(sworker.srd.size(), 2n * 1024n * 1024n)
    const id = (await (await fetch(`${base}/enclave/id_info`)).json()) as { pub_key: string }
    assert.equal(id.pub_key.length, 128)
  })

  it('error: bad input answers JSON errors with codes', async () => {
    const bad = await post('/storage/seal_start', { cid: 'nonsense' })
    assert.equal(bad.status, 400)
    assert.deepEqual(await bad.json(), { status_code: 11001, message: 'Invalid cid' })
    assert.equal((await post('/storage/seal_start', 'not json')).status, 400)
    assert.equal((await post('/srd/change', { change: 'x' })).status, 400)
    assert.equal((await post('/storage/seal_start', 'x'.repeat(70_000))).status, 413)
    assert.equal((await fetch(`${base}/file/info?cid=QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o`)).status, 404)
    assert.equal((await fetch(`${base}/nothing`)).status, 404)
    assert.equal((await fetch(`${base}/workload`, { method: 'DELETE' })).status, 405)
    assert.equal((await post('/storage/delete', { cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' })).status, 404)
  })
})
