/** The sWorker HTTP API over a real Sworker (temp folder) and real HTTP. */
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { apiTokenFile, blockMatchesCid, blockstoreBlockSource, devAttestationAuthority, loadOrCreateApiToken, Sworker, SworkerApi } from '../src/index.js'
import { storageProof } from '@crust-ts/protocol'
import { hexToU8a } from '@polkadot/util'
import { fileBytes, importFile, tempDir } from './fixtures/dag.js'

describe('sworker api', () => {
  const tmp = tempDir()
  let sworker: Sworker
  let api: SworkerApi
  let base: string
  let cid: string
  let token: string

  before(async () => {
    sworker = await Sworker.open({ dataDir: join(tmp.dir, 'w'), authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
    const dag = await importFile(fileBytes(1024 * 1024))
    cid = dag.cid.toString()
    token = loadOrCreateApiToken(join(tmp.dir, 'w'))
    api = new SworkerApi(sworker, {
      port: 0,
      blockSource: blockstoreBlockSource(dag.blockstore),
      dataDir: tmp.dir,
      currentBlock: () => 42,
      token,
      allowedOrigins: ['http://console.local'],
    })
    const { port } = await api.start()
    base = `http://127.0.0.1:${port}/api/v0`
  })

  after(async () => {
    await api.stop()
    await sworker.close()
    tmp.remove()
  })

  /** A POST as the sManager sends it: the token and a JSON body; `headers` override (undefined drops one). */
  const post = (path: string, body: unknown, headers: Record<string, string | undefined> = {}, signal?: AbortSignal) => {
    const all: Record<string, string> = {}
    for (const [k, v] of Object.entries({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers })) if (v !== undefined) all[k] = v
    return fetch(`${base}${path}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: all,
      ...(signal === undefined ? {} : { signal }),
    })
  }
  const status = async (c: string) => ((await (await fetch(`${base}/file/info?cid=${c}`)).json()) as Record<string, { type: string }>)[c]?.type
  const code = async (res: Response) => ((await res.json()) as { code?: string }).code

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

  it('security: the token file is 32 random bytes in hex, mode 0600, the same on every start', () => {
    const file = apiTokenFile(join(tmp.dir, 'w'))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.match(token, /^[0-9a-f]{64}$/)
    assert.equal(loadOrCreateApiToken(join(tmp.dir, 'w')), token)
    const other = tempDir()
    try {
      assert.notEqual(loadOrCreateApiToken(other.dir), token, 'each node has its own')
    } finally {
      other.remove()
    }
  })

  it('security: POSTs without the token, or with a wrong one, are 401 JSON and change nothing', async () => {
    assert.equal(await status(cid), 'valid')
    for (const authorization of [undefined, `Bearer ${'0'.repeat(64)}`, token, `Basic ${token}`, 'Bearer ']) {
      for (const [path, body] of [
        ['/storage/delete', { cid }],
        ['/srd/change', { change: 1 }],
        ['/storage/seal_start', { cid }],
        ['/storage/unseal', { path: `${cid}/0` }],
      ] as const) {
        const res = await post(path, body, { authorization })
        assert.equal(res.status, 401, `${path} with ${authorization}`)
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/)
        assert.equal(await code(res), 'SWORKER_API_ERROR_UNAUTHORIZED')
      }
    }
    assert.equal(await status(cid), 'valid', 'not deleted')
    assert.equal(sworker.srd.size(), 0n, 'no SRD added')
  })

  it('security: POSTs that are not application/json are 415, even with the token', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      for (const [path, body] of [
        ['/storage/delete', { cid }],
        ['/srd/change', { change: 1 }],
      ] as const) {
        const res = await post(path, body, { 'content-type': contentType })
        assert.equal(res.status, 415, `${path} as ${contentType}`)
        assert.equal(await code(res), 'SWORKER_API_ERROR_UNSUPPORTED_MEDIA_TYPE')
      }
    }
    assert.equal((await post('/storage/seal_end', { cid }, { 'content-type': 'application/json; charset=utf-8' })).status, 200)
    assert.equal(await status(cid), 'valid', 'not deleted')
    assert.equal(sworker.srd.size(), 0n, 'no SRD added')
  })

  it('security: a foreign browser Origin is 403 on every endpoint, even with the token; an allowed one passes', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:12222']) {
      const res = await post('/storage/delete', { cid }, { origin })
      assert.equal(res.status, 403, origin)
      assert.equal(await code(res), 'SWORKER_API_ERROR_FORBIDDEN_ORIGIN')
      assert.equal((await post('/srd/change', { change: 1 }, { origin })).status, 403)
      assert.equal((await fetch(`${base}/workload`, { headers: { origin } })).status, 403)
    }
    assert.equal(await status(cid), 'valid', 'not deleted')
    assert.equal(sworker.srd.size(), 0n, 'no SRD added')
    assert.equal((await fetch(`${base}/workload`, { headers: { origin: 'http://console.local' } })).status, 200)
    assert.equal((await post('/storage/seal_end', { cid }, { origin: 'http://console.local' })).status, 200)
  })

  it('security: srd/change far beyond the disk (real statfs) is refused with the room left, nothing written', async () => {
    // 2^40 units of 1 MiB = 1 EiB. Old code started writing them; the signal bounds that run.
    const res = await post('/srd/change', { change: 2 ** 40 }, {}, AbortSignal.timeout(5_000))
    assert.equal(res.status, 409)
    const body = (await res.json()) as { code: string; message: string; meta: { maxUnits: number; availableBytes: number; reserveBytes: number } }
    assert.equal(body.code, 'SWORKER_API_ERROR_SRD_NO_ROOM')
    assert.match(body.message, /room for \d+ .*bytes free, 1073741824 kept in reserve/)
    assert.ok(body.meta.availableBytes > 0 && body.meta.maxUnits < 2 ** 40)
    assert.equal(body.meta.reserveBytes, 1024 ** 3, 'the 1 GiB floor for 1 MiB units')
    assert.equal(sworker.srd.size(), 0n)
    const workload = (await (await fetch(`${base}/workload`)).json()) as { srd: { disk_available_for_srd: number } }
    assert.equal(workload.srd.disk_available_for_srd, Math.floor((body.meta.availableBytes - body.meta.reserveBytes) / 1024 ** 3))
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

  it('behavior: storage/proof answers a segment with a path that verifies against file/info content_root; bad input is a typed 4xx', async () => {
    const info = ((await (await fetch(`${base}/file/info?cid=${cid}`)).json()) as Record<string, { size: number; content_root: string }>)[cid]!
    assert.match(info.content_root, /^0x[0-9a-f]{64}$/)
    const commitment = { root: hexToU8a(info.content_root), size: info.size }
    const last = storageProof.segmentCount(info.size) - 1
    for (const segment of [0, 300, last]) {
      const res = await post('/storage/proof', { cid, segment })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { root: string; size: number; proof: { segment: string; path: string[] } }
      assert.equal(body.root, info.content_root)
      const proof = { segment: hexToU8a(body.proof.segment), path: body.proof.path.map((h) => hexToU8a(h)) }
      assert.ok(storageProof.verifySegmentProof(commitment, segment, proof), `segment ${segment} verifies`)
      assert.ok(!storageProof.verifySegmentProof(commitment, segment === 0 ? 1 : 0, proof), 'not as another segment')
    }
    const outOfRange = await post('/storage/proof', { cid, segment: last + 1 })
    assert.equal(outOfRange.status, 400)
    assert.equal(await code(outOfRange), 'SWORKER_API_ERROR_SEGMENT_OUT_OF_RANGE')
    assert.equal(await code(await post('/storage/proof', { cid, segment: -1 })), 'SWORKER_API_ERROR_SEGMENT_OUT_OF_RANGE')
    const unknown = await post('/storage/proof', { cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', segment: 0 })
    assert.equal(unknown.status, 404)
    assert.equal(await code(unknown), 'SWORKER_API_ERROR_FILE_NOT_FOUND')
    assert.equal((await post('/storage/proof', { cid, segment: 0 }, { authorization: undefined })).status, 401, 'costs CPU: needs the token')
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

  it('behavior: with the token and JSON, storage/delete deletes and srd/change shrinks', async () => {
    assert.equal(await status(cid), 'valid')
    const res = await post('/storage/delete', { cid })
    assert.equal(res.status, 200)
    assert.equal((await fetch(`${base}/file/info?cid=${cid}`)).status, 404)
    assert.equal((await post('/srd/change', { change: -1 })).status, 200)
    assert.equal(sworker.srd.size(), 1024n * 1024n)
  })
})
