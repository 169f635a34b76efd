/** The Kubo RPC API driven by the real `kubo-rpc-client` against an in-memory node. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagPb from '@ipld/dag-pb'
import { extract } from 'it-tar'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { all, type ApiFixture, collect, startApi } from './fixtures/api-server.js'
import { deterministicBuffer, deterministicBytes } from './fixtures/deterministic.js'

const enc = new TextEncoder()
const FIVE_MIB = 5 * 1024 * 1024

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe('api: kubo-rpc-client', () => {
  let api: ApiFixture
  let bigCid: CID
  let big: Buffer

  before(async () => {
    api = await startApi()
    big = await deterministicBuffer(FIVE_MIB, 'api-spec')
  })

  after(async () => {
    await api.stop()
  })

  it('behavior: adds a multi-MiB file, streaming progress, and cats the same bytes back', async () => {
    const progress: number[] = []
    const added = await api.client.add(deterministicBytes(FIVE_MIB, 'api-spec'), {
      progress: (bytes: number) => progress.push(bytes),
    })
    bigCid = added.cid
    assert.equal(added.cid.version, 0)
    assert.equal(progress.at(-1), FIVE_MIB, 'last progress event reports every byte')
    assert.equal(progress.length, FIVE_MIB / 262144 + 1, 'one event per 256 KiB plus the final one')
    assert.ok(
      progress.every((b, i) => i === 0 || b >= progress[i - 1]!),
      'progress only grows',
    )
    const back = await collect(api.client.cat(added.cid))
    assert.equal(back.length, FIVE_MIB)
    assert.equal(sha(back), sha(big))
    const pins = await all(api.client.pin.ls({ paths: [added.cid], type: 'recursive' }))
    assert.equal(pins.length, 1, 'add pins by default')
  })

  it('behavior: cat honours offset and length, across chunk boundaries and several paths', async () => {
    const slice = async (options: { offset?: number; length?: number }): Promise<Buffer> => collect(api.client.cat(bigCid, options))
    assert.deepEqual(await slice({ offset: 262140, length: 10 }), big.subarray(262140, 262150))
    assert.deepEqual(await slice({ offset: FIVE_MIB - 5 }), big.subarray(FIVE_MIB - 5))
    assert.equal((await slice({ offset: FIVE_MIB + 10 })).length, 0)
    assert.equal((await slice({ length: 0 })).length, 0)
    assert.deepEqual(await slice({ length: 1000000 }), big.subarray(0, 1000000))
    const hello = await api.client.add(enc.encode('Hello Worlds!\n'))
    // Kubo's `cat --offset 10 $HASH $HASH`: the offset skips into the first file, then the second follows
    const res = await api.call('cat', `arg=${hello.cid}&arg=${hello.cid}&offset=10`)
    assert.equal(res.headers.get('x-stream-output'), '1')
    assert.equal(res.headers.get('x-content-length'), '18')
    assert.equal(await res.text(), 'ds!\nHello Worlds!\n')
    const res2 = await api.call('cat', `arg=${hello.cid}&arg=${hello.cid}&offset=16&length=5`)
    assert.equal(await res2.text(), 'llo W')
  })

  it('behavior: adds a directory with wrap-with-directory, lists it and gets it as a tar', async () => {
    const files: Array<[string, string]> = [
      ['index.html', '<h1>hi</h1>\n'],
      ['assets/app.js', 'console.log(1)\n'],
      ['assets/style.css', 'body{}\n'],
    ]
    const events = await all(
      api.client.addAll(
        files.map(([path, text]) => ({ path, content: enc.encode(text) })),
        { wrapWithDirectory: true },
      ),
    )
    const root = events.at(-1)!
    assert.equal(root.path, '', 'the wrapping directory has an empty name')
    assert.deepEqual(
      events.map((e) => e.path),
      ['index.html', 'assets/app.js', 'assets/style.css', 'assets', ''],
    )
    const listing = await all(api.client.ls(root.cid))
    assert.deepEqual(
      listing.map((e) => [e.name, e.type]),
      [
        ['assets', 'dir'],
        ['index.html', 'file'],
      ],
    )
    assert.equal(listing.find((e) => e.name === 'index.html')!.size, 12)
    const inner = await all(api.client.ls(`/ipfs/${root.cid}/assets`))
    assert.deepEqual(
      inner.map((e) => e.name),
      ['app.js', 'style.css'],
    )
    assert.equal((await collect(api.client.cat(`/ipfs/${root.cid}/assets/app.js`))).toString(), 'console.log(1)\n')
    // get: a tar named after the path's last segment
    const entries: Array<[string, string, string]> = []
    for await (const entry of extract()(api.client.get(root.cid))) {
      entries.push([entry.header.name, entry.header.type ?? '', (await collect(entry.body as AsyncIterable<Uint8Array>)).toString()])
    }
    const base = root.cid.toString()
    assert.deepEqual(entries, [
      [base, 'directory', ''],
      [`${base}/assets`, 'directory', ''],
      [`${base}/assets/app.js`, 'file', 'console.log(1)\n'],
      [`${base}/assets/style.css`, 'file', 'body{}\n'],
      [`${base}/index.html`, 'file', '<h1>hi</h1>\n'],
    ])
  })

  it('behavior: ls of a chunked file lists its chunks; ls of a single-block file lists nothing', async () => {
    const chunks = await all(api.client.ls(bigCid))
    assert.equal(chunks.length, FIVE_MIB / 262144)
    assert.ok(chunks.every((c) => c.type === 'file' && c.size === 262144 && c.name === ''))
    const small = await api.client.add(enc.encode('tiny'))
    const single = await all(api.client.ls(small.cid))
    assert.equal(single.length, 1, 'the client reports the file itself')
    assert.equal(single[0]!.cid.toString(), small.cid.toString())
  })

  it('behavior: pin rm and pin add change what pin ls reports (recursive, direct, indirect)', async () => {
    const added = await api.client.add(enc.encode('pin me\n'), { pin: false })
    const dir = await all(api.client.addAll([{ path: 'd/a.txt', content: enc.encode('a\n') }], { pin: false }))
    const dirCid = dir.at(-1)!.cid
    const fileCid = dir[0]!.cid
    const has = async (cid: CID): Promise<string | undefined> => {
      const pins = await all(api.client.pin.ls())
      return pins.find((p) => p.cid.toString() === cid.toString())?.type
    }
    assert.equal(await has(added.cid), undefined)
    assert.deepEqual((await all(api.client.pin.addAll([added.cid]))).map(String), [added.cid.toString()])
    assert.equal(await has(added.cid), 'recursive')
    await api.client.pin.add(dirCid)
    assert.equal(await has(fileCid), 'indirect', 'children of a recursive pin are indirect pins')
    const keys = await all(api.client.pin.ls({ paths: [fileCid] }))
    assert.equal(keys[0]!.type, `indirect through ${dirCid}`)
    await api.client.pin.rm(dirCid)
    assert.equal(await has(fileCid), undefined)
    await api.client.pin.add(fileCid, { recursive: false })
    assert.equal(await has(fileCid), 'direct')
    await assert.rejects(api.client.pin.add(added.cid, { recursive: false }), /already pinned recursively/)
    await assert.rejects(api.client.pin.rm(added.cid, { recursive: false }), /is pinned recursively/)
    // as in Kubo, `pin rm` (recursive by default) also removes a direct pin
    await api.client.pin.rm(fileCid)
    assert.equal(await has(fileCid), undefined)
    await api.client.pin.rm(added.cid)
    await assert.rejects(api.client.pin.rm(added.cid), /not pinned or pinned indirectly/)
    // a named pin
    await api.client.pin.add(added.cid, { name: 'my-pin' })
    const named = await all(api.client.pin.ls({ names: true } as never))
    assert.equal(named.find((p) => p.cid.toString() === added.cid.toString())?.name, 'my-pin')
  })

  it('behavior: repo gc removes unpinned blocks and keeps pinned ones', async () => {
    const kept = await api.client.add(enc.encode('keep me\n'))
    const dropped = await api.client.add(deterministicBytes(600000, 'gc'), { pin: false })
    const droppedBlocks = [dropped.cid, ...dagPb.decode(await api.client.block.get(dropped.cid)).Links.map((l) => l.Hash)]
    assert.equal(droppedBlocks.length, 4)
    const removed = (await all(api.client.repo.gc())).map((r) => r.cid?.toString())
    for (const cid of droppedBlocks) {
      assert.equal(await api.node.helia.blockstore.has(cid), false, `${cid} collected`)
      assert.ok(removed.some((r) => r !== undefined && CID.parse(r).multihash.bytes.toString() === cid.multihash.bytes.toString()))
    }
    assert.equal(await api.node.helia.blockstore.has(kept.cid), true)
    assert.equal(await api.node.helia.blockstore.has(bigCid), true, 'pinned multi-MiB file survives')
    assert.equal(sha(await collect(api.client.cat(bigCid))), sha(big))
    const stat = await api.client.repo.stat()
    assert.ok(stat.numObjects > 0n)
    assert.equal(stat.repoPath, ':memory:')
  })

  it('behavior: block put, get, stat and rm round-trip', async () => {
    const bytes = enc.encode('a raw block')
    const cid = await api.client.block.put(bytes)
    assert.equal(cid.toString(), CID.createV1(0x55, await sha256.digest(bytes)).toString())
    assert.deepEqual(await api.client.block.get(cid), bytes)
    assert.deepEqual(await api.client.block.stat(cid), { cid, size: bytes.length })
    const pb = dagPb.encode({ Data: new Uint8Array([8, 1]), Links: [] })
    const v0 = await api.client.block.put(pb, { format: 'v0' } as never)
    assert.equal(v0.toString(), 'QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
    const removed = await all(api.client.block.rm(cid))
    assert.deepEqual(
      removed.map((r) => [r.cid.toString(), r.error]),
      [[cid.toString(), undefined]],
    )
    assert.equal(await api.node.helia.blockstore.has(cid), false)
    // pinned blocks are refused, per block
    const refused = await all(api.client.block.rm(bigCid))
    assert.equal(refused[0]!.error?.message, 'pinned: recursive')
    const missing = await all(api.client.block.rm(cid))
    assert.equal(missing[0]!.error?.message, `ipld: could not find ${cid}`)
    assert.equal((await all(api.client.block.rm(cid, { force: true })))[0]!.error, undefined)
  })

  it('behavior: dag put and get round-trip dag-cbor with links', async () => {
    const link = CID.parse('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const value = { name: 'crust', list: [1, 2, 3], link }
    const cid = await api.client.dag.put(value)
    assert.equal(cid.code, 0x71)
    const got = await api.client.dag.get(cid)
    assert.deepEqual(got.value, value)
    const res = await api.call('dag/get', `arg=${cid}/list/1`)
    assert.equal(await res.text(), '2')
    const json = await api.call('dag/get', `arg=${cid}`)
    assert.equal(await json.text(), `{"link":{"/":"${link}"},"list":[1,2,3],"name":"crust"}`)
    const put = new FormData()
    put.append('file', new Blob(['{"a":{"/":"bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}}']), 'x')
    const putRes = await api.call('dag/put', 'store-codec=dag-json&pin=true', { body: put })
    const out = (await putRes.json()) as { Cid: { '/': string } }
    assert.match(out.Cid['/'], /^baguqee/)
  })

  it('behavior: dag stat reports size and block count; files/stat CumulativeSize is the DAG size', async () => {
    const res = await api.call('dag/stat', `arg=${bigCid}&progress=false`)
    const summary = (await res.json()) as { TotalSize: number; UniqueBlocks: number; DagStats: Array<{ NumBlocks: number; Size: number }> }
    assert.equal(summary.UniqueBlocks, FIVE_MIB / 262144 + 1)
    const stat = await api.client.files.stat(`/ipfs/${bigCid}`)
    assert.equal(stat.type, 'file')
    assert.equal(stat.size, FIVE_MIB)
    assert.equal(stat.cumulativeSize, summary.TotalSize, 'CumulativeSize equals the bytes of every block')
    assert.equal(stat.blocks, FIVE_MIB / 262144)
    // Kubo: `ipfs files stat /ipfs/QmT78z...` (hello world\n) has Size 12, CumulativeSize 20
    await api.client.add(enc.encode('hello world\n'))
    const hello = await api.client.files.stat('/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    assert.deepEqual([hello.size, hello.cumulativeSize, hello.blocks, hello.type], [12, 20, 0, 'file'])
    const raw = await api.call('files/stat', 'arg=/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    assert.equal(await raw.text(), '{"Hash":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","Size":12,"CumulativeSize":20,"Blocks":0,"Type":"file"}\n')
  })

  it('behavior: dag export from one node imports into a second node', async () => {
    const events = await all(
      api.client.addAll([
        { path: 'site/index.html', content: enc.encode('<p>site</p>') },
        { path: 'site/big.bin', content: deterministicBytes(700000, 'car') },
      ]),
    )
    const root = events.at(-1)!.cid
    const car = await collect(api.client.dag.export(root))
    const reader = await CarBlockIterator.fromBytes(car)
    assert.deepEqual((await reader.getRoots()).map(String), [root.toString()])
    let count = 0
    for await (const block of reader) {
      const digest = await sha256.digest(block.bytes)
      assert.deepEqual(digest.bytes, block.cid.multihash.bytes, 'every block hashes to its CID')
      count++
    }
    assert.equal(count, 1 + 1 + 4, 'root, index.html, big.bin root and its three leaves')
    const second = await startApi()
    try {
      const imported = await all(second.client.dag.import([car]))
      assert.deepEqual(
        imported.map((r) => [r.root.cid.toString(), r.root.pinErrorMsg]),
        [[root.toString(), '']],
      )
      const pins = await all(second.client.pin.ls({ type: 'recursive' }))
      assert.deepEqual(
        pins.map((p) => p.cid.toString()),
        [root.toString()],
      )
      assert.equal((await collect(second.client.cat(`${root}/index.html`))).toString(), '<p>site</p>')
      assert.equal(sha(await collect(second.client.cat(`${root}/big.bin`))), sha(await deterministicBuffer(700000, 'car')))
    } finally {
      await second.stop()
    }
  })

  it('behavior: version and the Kubo headers of the three output kinds', async () => {
    const version = await api.client.version()
    assert.equal(version.repo, '16')
    const single = await api.call('version')
    assert.equal(single.headers.get('x-chunked-output'), null)
    assert.equal(single.headers.get('content-type'), 'application/json')
    assert.equal(single.headers.get('trailer'), 'X-Stream-Error')
    const streamed = await api.call('block/get', `arg=${bigCid}`)
    assert.equal(streamed.headers.get('x-stream-output'), '1')
    assert.equal(streamed.headers.get('content-type'), 'application/vnd.ipld.raw')
    await streamed.arrayBuffer()
    const form = new FormData()
    form.append('file', new Blob(['x']), 'x')
    const chunked = await api.call('add', '', { body: form })
    assert.equal(chunked.headers.get('x-chunked-output'), '1')
    const x = (await api.client.add(enc.encode('x'), { onlyHash: true })).cid.toString()
    assert.equal(await chunked.text(), `{"Name":"x","Hash":"${x}","Size":"9"}\n`)
  })
})
