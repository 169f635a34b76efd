import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { CarReader } from '@ipld/car/reader'
import { MemoryBlockstore } from 'blockstore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { IpfsNode } from '../src/interface.js'
import { addTree, pseudoRandomBytes, type RunningGateway, rawRequest, startGateway } from './fixtures/gateway-fixture.js'
import { createMemoryNode } from './fixtures/memory-node.js'

const FILE_SIZE = 400 * 1024 + 123
const CHUNK = 1024

interface ParsedCar {
  roots: CID[]
  blocks: { cid: CID; bytes: Uint8Array }[]
}

async function readCar(res: Response): Promise<ParsedCar> {
  const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()))
  const blocks: ParsedCar['blocks'] = []
  for await (const block of reader.blocks()) blocks.push(block)
  return { roots: await reader.getRoots(), blocks }
}

/** Every block of a CAR must hash to its CID. */
async function assertVerified(car: ParsedCar): Promise<void> {
  for (const { cid, bytes } of car.blocks) {
    assert.equal(cid.multihash.code, sha256.code, `${cid} uses sha2-256`)
    const digest = await sha256.digest(bytes)
    assert.ok(equals(digest.bytes, cid.multihash.bytes), `block ${cid} hashes to its CID`)
  }
}

async function getBlock(node: IpfsNode, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of node.helia.blockstore.get(cid)) chunks.push(chunk)
  return Uint8Array.from(Buffer.concat(chunks))
}

/** The DAG's CIDs in depth-first order without duplicates, read from the node's blockstore. */
async function dagCids(node: IpfsNode, root: CID): Promise<string[]> {
  const order: string[] = []
  const seen = new Set<string>()
  const visit = async (cid: CID): Promise<void> => {
    if (seen.has(cid.toString())) return
    seen.add(cid.toString())
    order.push(cid.toString())
    if (cid.code !== dagPb.code) return
    for (const link of dagPb.decode(await getBlock(node, cid)).Links) await visit(link.Hash)
  }
  await visit(root)
  return order
}

async function blockstoreOf(car: ParsedCar): Promise<MemoryBlockstore> {
  const store = new MemoryBlockstore()
  for (const { cid, bytes } of car.blocks) await store.put(cid, bytes)
  return store
}

async function readFile(store: MemoryBlockstore, path: string | CID, options: { offset?: number; length?: number } = {}): Promise<Uint8Array> {
  const entry = await exporter(path, store)
  assert.ok(entry.type === 'file' || entry.type === 'raw')
  const chunks: Uint8Array[] = []
  for await (const chunk of entry.content(options)) chunks.push(chunk)
  return Uint8Array.from(Buffer.concat(chunks))
}

describe('gateway: trustless responses (raw blocks and CAR)', () => {
  let node: IpfsNode
  let gw: RunningGateway
  let bigFile: CID
  let bigBytes: Uint8Array
  let tree: CID
  let treeFile: CID

  before(async () => {
    node = await createMemoryNode()
    bigBytes = pseudoRandomBytes(FILE_SIZE, 'car')
    bigFile = await node.fs.addBytes(bigBytes, { chunker: fixedSize({ chunkSize: CHUNK }) })
    tree = await addTree(node, {
      'dir/sub/file.bin': pseudoRandomBytes(10 * CHUNK, 'tree'),
      'dir/other.txt': 'other\n',
      'top.txt': 'top\n',
    })
    for await (const entry of node.fs.ls(tree)) if (entry.name === 'dir') treeFile = entry.cid
    gw = await startGateway(node)
  })

  after(async () => {
    await gw.gateway.stop()
    await node.stop()
  })

  const url = (path: string): string => `${gw.base}${path}`

  it('behavior: ?format=raw returns exactly the block bytes', async () => {
    for (const cid of [bigFile, tree]) {
      const res = await fetch(url(`/ipfs/${cid}?format=raw`))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.raw')
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="${cid}.bin"`)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.equal(res.headers.get('etag'), `"${cid}.raw"`)
      assert.equal(res.headers.get('content-location'), null)
      const body = new Uint8Array(await res.arrayBuffer())
      assert.deepEqual(body, await getBlock(node, cid))
      assert.ok(equals((await sha256.digest(body)).bytes, cid.multihash.bytes))
    }
  })

  it('behavior: Accept: application/vnd.ipld.raw selects the raw block, with Content-Location', async () => {
    const res = await fetch(url(`/ipfs/${tree}`), { headers: { Accept: 'application/vnd.ipld.raw' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-location'), `/ipfs/${tree}?format=raw`)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), await getBlock(node, tree))
    const path = await fetch(url(`/ipfs/${tree}/dir?format=raw`))
    assert.deepEqual(new Uint8Array(await path.arrayBuffer()), await getBlock(node, treeFile))
  })

  it('behavior: ?format=car streams a CARv1 of the whole DAG of a multi-chunk file, every block verified', async () => {
    const res = await fetch(url(`/ipfs/${bigFile}?format=car`))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${bigFile}.car"`)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.match(res.headers.get('etag') ?? '', new RegExp(`^W/"${bigFile}\\.car\\.`))
    const car = await readCar(res)
    assert.deepEqual(car.roots.map(String), [bigFile.toString()])
    await assertVerified(car)
    const expected = await dagCids(node, bigFile)
    assert.ok(expected.length > 1 + Math.floor(FILE_SIZE / CHUNK), 'the file has several layers of blocks')
    assert.deepEqual(
      car.blocks.map((b) => b.cid.toString()),
      expected,
      'the whole DAG, depth-first, no duplicates',
    )
    assert.deepEqual(await readFile(await blockstoreOf(car), bigFile), bigBytes)
  })

  it('behavior: Accept: application/vnd.ipld.car selects a CAR; HEAD sends its headers only', async () => {
    const res = await fetch(url(`/ipfs/${tree}`), { headers: { Accept: 'application/vnd.ipld.car; version=1; dups=y' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=y')
    assert.equal(res.headers.get('content-location'), `/ipfs/${tree}?format=car`)
    const car = await readCar(res)
    await assertVerified(car)
    assert.deepEqual(car.blocks.map((b) => b.cid.toString()).sort(), (await dagCids(node, tree)).sort())

    const head = await rawRequest(gw.port, `/ipfs/${tree}?format=car`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers['content-type'], 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    assert.equal(head.body.length, 0)
  })

  it('behavior: a CAR for a path holds the blocks proving the path, then the DAG at its end', async () => {
    const res = await fetch(url(`/ipfs/${tree}/dir/sub/file.bin?format=car`))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${tree}_file.bin.car"`)
    const car = await readCar(res)
    assert.deepEqual(car.roots.map(String), [tree.toString()])
    await assertVerified(car)
    // A client holding only the CAR can walk the path from the root and read the file.
    const store = await blockstoreOf(car)
    assert.deepEqual(await readFile(store, `/ipfs/${tree}/dir/sub/file.bin`), pseudoRandomBytes(10 * CHUNK, 'tree'))
    // Sibling content is not included.
    const other = await exporter(`/ipfs/${tree}/dir`, store)
    assert.equal(other.type, 'directory')
    await assert.rejects(exporter(`/ipfs/${tree}/dir/other.txt`, store))
  })

  it('behavior: dag-scope=block and dag-scope=entity limit the CAR', async () => {
    const block = await readCar(await fetch(url(`/ipfs/${bigFile}?format=car&dag-scope=block`)))
    assert.deepEqual(
      block.blocks.map((b) => b.cid.toString()),
      [bigFile.toString()],
    )

    // The entity of a directory is its own block, not its children.
    const entity = await readCar(await fetch(url(`/ipfs/${tree}/dir?format=car&dag-scope=entity`)))
    await assertVerified(entity)
    assert.deepEqual(
      entity.blocks.map((b) => b.cid.toString()),
      [tree.toString(), treeFile.toString()],
    )

    // The entity of a file is all of it.
    const file = await readCar(await fetch(url(`/ipfs/${bigFile}?format=car&dag-scope=entity`)))
    assert.equal(file.blocks.length, (await dagCids(node, bigFile)).length)
  })

  it('behavior: entity-bytes returns only the blocks needed for the byte range', async () => {
    const from = 200 * CHUNK + 17
    const to = from + 3 * CHUNK
    const res = await fetch(url(`/ipfs/${bigFile}?format=car&entity-bytes=${from}:${to}`))
    assert.equal(res.status, 200)
    const car = await readCar(res)
    await assertVerified(car)
    const all = await dagCids(node, bigFile)
    assert.ok(car.blocks.length < 10, `a few blocks (${car.blocks.length}) out of ${all.length}`)
    const store = await blockstoreOf(car)
    assert.deepEqual(await readFile(store, bigFile, { offset: from, length: to - from + 1 }), bigBytes.subarray(from, to + 1))

    const tail = await readCar(await fetch(url(`/ipfs/${bigFile}?format=car&entity-bytes=-1000:*`)))
    assert.deepEqual(await readFile(await blockstoreOf(tail), bigFile, { offset: FILE_SIZE - 1000 }), bigBytes.subarray(FILE_SIZE - 1000))

    const outside = await fetch(url(`/ipfs/${bigFile}?format=car&entity-bytes=${FILE_SIZE + 10}:*`))
    assert.equal(outside.status, 400)
    await outside.arrayBuffer()
  })

  it('behavior: the trustless probe bafkqaaa answers an empty raw block and a CAR rooted at it', async () => {
    const raw = await fetch(url('/ipfs/bafkqaaa?format=raw'))
    assert.equal(raw.status, 200)
    assert.equal((await raw.arrayBuffer()).byteLength, 0)
    const car = await readCar(await fetch(url('/ipfs/bafkqaaa?format=car')))
    assert.deepEqual(car.roots.map(String), ['bafkqaaa'])
    assert.equal(car.blocks.length, 0)
  })

  it('behavior: If-None-Match with a CAR or raw ETag answers 304', async () => {
    for (const format of ['car', 'raw']) {
      const first = await fetch(url(`/ipfs/${tree}?format=${format}`))
      await first.arrayBuffer()
      const again = await fetch(url(`/ipfs/${tree}?format=${format}`), { headers: { 'If-None-Match': first.headers.get('etag')! } })
      assert.equal(again.status, 304, format)
    }
  })

  it('behavior: IPLD blocks are served as-is or converted with format=dag-json|dag-cbor', async () => {
    const value = { name: 'crust', link: tree, size: 42 }
    const bytes = dagCbor.encode(value)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await node.helia.blockstore.put(cid, bytes)

    const deserialized = await fetch(url(`/ipfs/${cid}`))
    assert.equal(deserialized.headers.get('content-type'), 'application/vnd.ipld.dag-cbor')
    assert.deepEqual(new Uint8Array(await deserialized.arrayBuffer()), bytes)

    const asJson = await fetch(url(`/ipfs/${cid}?format=dag-json`))
    assert.equal(asJson.headers.get('content-type'), 'application/vnd.ipld.dag-json')
    assert.deepEqual(await asJson.json(), { name: 'crust', link: { '/': tree.toString() }, size: 42 })

    // Following the link out of the DAG-CBOR block into UnixFS.
    const through = await fetch(url(`/ipfs/${cid}/link/top.txt`))
    assert.equal(await through.text(), 'top\n')

    const dir = await fetch(url(`/ipfs/${tree}?format=dag-json`))
    const pb = (await dir.json()) as { Links: { Name: string }[] }
    assert.deepEqual(
      pb.Links.map((l) => l.Name),
      ['dir', 'top.txt'],
    )

    const car = await readCar(await fetch(url(`/ipfs/${cid}?format=car`)))
    await assertVerified(car)
    assert.equal(car.blocks[0]!.cid.toString(), cid.toString())
    assert.deepEqual(
      car.blocks
        .slice(1)
        .map((b) => b.cid.toString())
        .sort(),
      (await dagCids(node, tree)).sort(),
    )
  })

  it('behavior: HAMT-sharded directories are listed, traversed, and exported as CAR entities', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `file-${i}.txt`)
    let sharded: CID | undefined
    for await (const entry of node.fs.addAll(
      names.map((name) => ({ path: `big/${name}`, content: new TextEncoder().encode(`${name}\n`) })),
      { shardSplitThresholdBytes: 1, shardFanoutBits: 4 },
    )) {
      if (entry.path === 'big') sharded = entry.cid
    }
    assert.ok(sharded !== undefined)
    const rootNode = dagPb.decode(await getBlock(node, sharded))
    assert.ok(
      rootNode.Links.some((l) => l.Name?.length === 1),
      'the directory is sharded into sub-shards',
    )

    const listing = await (await fetch(url(`/ipfs/${sharded}/`))).text()
    for (const name of names) assert.ok(listing.includes(`href="./${name}"`), name)
    const file = await fetch(url(`/ipfs/${sharded}/file-123.txt`))
    assert.equal(await file.text(), 'file-123.txt\n')
    assert.equal(file.headers.get('x-ipfs-roots')?.split(',').length, 2, 'one root per path segment')

    // The entity of a sharded directory is its shards, without the files.
    const entity = await readCar(await fetch(url(`/ipfs/${sharded}?format=car&dag-scope=entity`)))
    await assertVerified(entity)
    const shards = entity.blocks.map((b) => b.cid)
    assert.ok(shards.length > 1)
    assert.ok(shards.every((cid) => cid.code === dagPb.code))
    const store = await blockstoreOf(entity)
    const dir = await exporter(sharded, store)
    assert.equal(dir.type, 'directory')
    const listed: string[] = []
    if (dir.type === 'directory') for await (const entry of dir.entries()) listed.push(entry.name)
    assert.deepEqual(listed.sort(), [...names].sort())

    // A path through the shards proves itself with the shards it crosses.
    const path = await readCar(await fetch(url(`/ipfs/${sharded}/file-7.txt?format=car`)))
    await assertVerified(path)
    assert.deepEqual(await readFile(await blockstoreOf(path), `/ipfs/${sharded}/file-7.txt`), new TextEncoder().encode('file-7.txt\n'))
  })

  it('error: unsupported CAR parameters and formats answer 400', async () => {
    for (const query of [
      'format=car&car-version=2',
      'format=car&dag-scope=everything',
      'format=car&car-dups=maybe',
      'format=car&entity-bytes=abc',
      'format=zip',
    ]) {
      const res = await fetch(url(`/ipfs/${bigFile}?${query}`))
      assert.equal(res.status, 400, query)
      assert.ok((await res.text()).length > 0)
    }
  })
})
