/** `add` details: top-level entries, empty directories, symlinks, options, the GC lock, aborted uploads. */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { type ApiFixture, all, collect, startApi } from './fixtures/api-server.js'
import { kuboAddOptions } from '../src/index.js'
import { deterministicBuffer, deterministicBytes } from './fixtures/deterministic.js'
import { multipart, rawRequest } from './fixtures/raw-http.js'

const enc = new TextEncoder()
const BOUNDARY = 'add-boundary'
const MULTIPART = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }

function ndjson(body: Buffer): Array<Record<string, unknown>> {
  return body
    .toString()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('api: add', () => {
  let api: ApiFixture

  before(async () => {
    api = await startApi()
  })

  after(async () => {
    await api.stop()
  })

  it('behavior: each top-level entry is added and pinned on its own', async () => {
    const events = await all(
      api.client.addAll([
        { path: 'one.txt', content: enc.encode('one') },
        { path: 'two.txt', content: enc.encode('two') },
        { path: 'd/three.txt', content: enc.encode('three') },
      ]),
    )
    assert.deepEqual(
      events.map((e) => e.path),
      ['one.txt', 'two.txt', 'd/three.txt', 'd'],
    )
    const pinned = (await all(api.client.pin.ls({ type: 'recursive' }))).map((p) => p.cid.toString())
    for (const i of [0, 1, 3]) assert.ok(pinned.includes(events[i]!.cid.toString()), events[i]!.path)
    assert.ok(!pinned.includes(events[2]!.cid.toString()), 'files inside a directory are not pinned on their own')
  })

  it('behavior: explicit empty directories and symlinks become UnixFS nodes', async () => {
    const body = multipart(BOUNDARY, [
      ['top', '', 'application/x-directory'],
      ['top/empty', '', 'application/x-directory'],
      ['top/link', 'target.txt', 'application/symlink'],
      ['top/file.txt', 'data'],
    ])
    const res = await rawRequest(`${api.url}/api/v0/add`, { body, headers: MULTIPART })
    assert.equal(res.status, 200)
    const events = ndjson(res.body)
    assert.deepEqual(
      events.map((e) => e.Name),
      ['top/link', 'top/file.txt', 'top/empty', 'top'],
    )
    assert.equal(events[2]!.Hash, 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn', 'the empty directory')
    const listing = await all(api.client.ls(events[3]!.Hash as string))
    assert.deepEqual(
      listing.map((e) => [e.name, e.type]),
      [
        ['empty', 'dir'],
        ['file.txt', 'file'],
        ['link', 'file'],
      ],
    )
    const raw = (await (await api.call('ls', `arg=${events[3]!.Hash}`)).json()) as {
      Objects: Array<{ Links: Array<{ Name: string; Type: number; Target: string }> }>
    }
    const link = raw.Objects[0]!.Links.find((l) => l.Name === 'link')!
    assert.deepEqual([link.Type, link.Target], [4, 'target.txt'])
    const stat = (await (await api.call('files/stat', `arg=/ipfs/${events[3]!.Hash}/link`)).json()) as { Mode: string }
    assert.equal(stat.Mode, '1000000777', 'Kubo reports os.ModeSymlink|0777 for a symlink without a stored mode')
  })

  it('behavior: silent hides file events, pin=false leaves the root unpinned, quiet changes nothing on the wire', async () => {
    const form = (): Buffer =>
      multipart(BOUNDARY, [
        ['d', '', 'application/x-directory'],
        ['d/a', 'a'],
        ['d/b', 'b'],
      ])
    const silent = ndjson((await rawRequest(`${api.url}/api/v0/add?silent=true`, { body: form(), headers: MULTIPART })).body)
    assert.deepEqual(
      silent.map((e) => e.Name),
      ['d'],
      'directory events are still emitted, as Kubo',
    )
    const quiet = ndjson((await rawRequest(`${api.url}/api/v0/add?quiet=true&pin=false`, { body: form(), headers: MULTIPART })).body)
    assert.deepEqual(
      quiet.map((e) => e.Name),
      ['d/a', 'd/b', 'd'],
    )
    const pins = (await all(api.client.pin.ls({ paths: [], type: 'recursive' }))).map((p) => p.cid.toString())
    assert.ok(pins.includes(quiet[2]!.Hash as string), 'the same root was pinned by the silent add')
    const unpinnedRoot = (await all(api.client.addAll([{ path: 'u/x', content: enc.encode('unpinned') }], { pin: false }))).at(-1)!
    await assert.rejects(all(api.client.pin.ls({ paths: [unpinnedRoot.cid] })), /is not pinned/)
  })

  it('behavior: progress events are NDJSON lines {Name, Bytes} before the file event', async () => {
    const body = multipart(BOUNDARY, [
      ['p.bin', Buffer.alloc(600000, 7)],
      ['empty.txt', ''],
    ])
    const events = ndjson((await rawRequest(`${api.url}/api/v0/add?progress=true`, { body, headers: MULTIPART })).body)
    assert.deepEqual(events.slice(0, 3), [
      { Name: 'p.bin', Bytes: 262144 },
      { Name: 'p.bin', Bytes: 524288 },
      { Name: 'p.bin', Bytes: 600000 },
    ])
    assert.equal(events[3]!.Name, 'p.bin')
    assert.equal(typeof events[3]!.Hash, 'string')
    assert.deepEqual(events[4], { Name: 'empty.txt' }, 'zero bytes read: Bytes omitted as Go omitempty does')
    assert.deepEqual(events[5], { Name: 'empty.txt', Hash: 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH', Size: '6' })
  })

  it('behavior: wrapping an unnamed upload names the file after its CID, as Kubo', async () => {
    const events = await all(api.client.addAll([enc.encode('hello world\n')], { wrapWithDirectory: true }))
    assert.deepEqual(
      events.map((e) => e.path),
      ['QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', ''],
    )
    const listing = await all(api.client.ls(events[1]!.cid))
    assert.deepEqual(
      listing.map((e) => [e.name, e.size]),
      [['QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 12]],
    )
  })

  it('behavior: get with compress gzips a file; dag stat and dag resolve', async () => {
    const { gunzipSync } = await import('node:zlib')
    const added = await api.client.add(enc.encode('gzip me\n'))
    const gz = await collect(api.client.get(added.cid, { compress: true, compressionLevel: 9 } as never))
    assert.equal(gunzipSync(gz).toString(), 'gzip me\n')
    const dir = (await all(api.client.addAll([{ path: 'r/s/t.txt', content: enc.encode('t') }]))).at(-1)!
    const resolved = await api.client.dag.resolve(`/ipfs/${dir.cid}/s/t.txt`)
    assert.equal(resolved.remainderPath, '')
    assert.equal(resolved.cid.toString(), (await api.client.files.stat(`/ipfs/${dir.cid}/s/t.txt`)).cid.toString())
    const res = await api.call('dag/stat', `arg=${dir.cid}&arg=${added.cid}&progress=false`)
    const stat = (await res.json()) as { UniqueBlocks: number; DagStats: Array<{ Cid: string; NumBlocks: number }>; Ratio: number }
    assert.equal(stat.UniqueBlocks, 4)
    assert.deepEqual(
      stat.DagStats.map((d) => [d.Cid, d.NumBlocks]),
      [
        [dir.cid.toString(), 3],
        [added.cid.toString(), 1],
      ],
    )
    assert.equal(stat.Ratio, 1)
    const progressive = (await (await api.call('dag/stat', `arg=${dir.cid}`)).text()).trim().split('\n')
    assert.equal(progressive.length, 4, 'one running summary per block, then the final one')
  })

  it('behavior: repo gc waits for an add in progress instead of collecting its blocks', async () => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const before = (await api.node.repoStat()).numObjects
    const upload = rawRequest(`${api.url}/api/v0/add`, {
      headers: { ...MULTIPART, 'Transfer-Encoding': 'chunked' },
      body: (async function* () {
        yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
        // more than the importer's write batch (16 chunks), so leaves reach the store before the gate
        yield* deterministicBytes(5 * 1024 * 1024, 'slow-1')
        await gate
        yield* deterministicBytes(1024 * 1024, 'slow-2')
        yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`)
      })(),
    })
    // the first leaves of the upload are in the store, unpinned, when gc starts
    try {
      await waitFor(async () => (await api.node.repoStat()).numObjects >= before + 16n, 'first leaves')
    } catch (err) {
      open()
      await upload
      throw err
    }
    const gc = all(api.client.repo.gc())
    open()
    const [res] = await Promise.all([upload, gc])
    const root = ndjson(res.body).at(-1)!.Hash as string
    const bytes = await collect(api.client.cat(root))
    assert.equal(bytes.length, 6 * 1024 * 1024, 'every block of the add survived the concurrent gc')
  })

  it("behavior: files whose bytes share the parser's socket pieces each keep all their bytes (pieces are freed once copied)", async () => {
    const one = await deterministicBuffer(300_000, 'shared-piece-one')
    const two = await deterministicBuffer(200_123, 'shared-piece-two')
    // one write: the end of one.bin and the start of two.bin arrive in the same socket reads
    const body = multipart(BOUNDARY, [
      ['one.bin', one],
      ['two.bin', two],
    ])
    const res = await rawRequest(`${api.url}/api/v0/add`, { body, headers: MULTIPART })
    assert.equal(res.status, 200)
    const events = ndjson(res.body)
    assert.deepEqual(
      events.map((e) => e.Name),
      ['one.bin', 'two.bin'],
    )
    // read back before the same bytes are added in process (which would store the right blocks under those CIDs)
    for (const [i, data] of [one, two].entries()) assert.deepEqual(await collect(api.client.cat(events[i]!.Hash as string)), data)
    for (const [i, data] of [one, two].entries()) assert.equal(events[i]!.Hash, (await api.node.fs.addBytes(data, kuboAddOptions())).toString())
  })

  it('behavior: a client that aborts mid-upload frees the request (and its GC lock); nothing gets pinned', async () => {
    const pinsBefore = (await all(api.client.pin.ls({ type: 'recursive' }))).length
    const objectsBefore = (await api.node.repoStat()).numObjects
    const req = request(`${api.url}/api/v0/add`, { method: 'POST', headers: { ...MULTIPART, 'Transfer-Encoding': 'chunked' } })
    req.on('error', () => {})
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="aborted.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    for await (const chunk of deterministicBytes(5 * 1024 * 1024, 'aborted')) req.write(chunk)
    // the add is running (its first leaves are stored) when the client goes away
    await waitFor(async () => (await api.node.repoStat()).numObjects >= objectsBefore + 16n, 'first leaves')
    req.destroy()
    // gc needs the exclusive lock the add holds: it completes only if the aborted add let go
    await all(api.client.repo.gc())
    assert.equal((await all(api.client.pin.ls({ type: 'recursive' }))).length, pinsBefore)
    const res = await api.call('version')
    assert.equal(res.status, 200)
    await res.arrayBuffer()
  })
})
