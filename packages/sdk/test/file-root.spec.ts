/**
 * A file's content root hashed in the upload's pass (`file-root`): the same root as the reference
 * (the `storageProof` commitment over the DAG's blocks concatenated depth-first, the DAG made by
 * the IPFS node's own importer settings), and no root at all when the DAG is not the one hashed.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { type KuboAddFlags, kuboAddOptions } from '@crust-ts/ipfs'
import { storageProof } from '@crust-ts/protocol'
import * as dagPb from '@ipld/dag-pb'
import { importer } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'
import {
  assembleFileRoot,
  createFilesTee,
  createFileTee,
  FileHasher,
  type FileHashes,
  FilesHasher,
  fileDagLayout,
  folderDagLayout,
  hashesOnWorker,
  joinRuns,
  RunHasher,
} from '../src/file-root/index.js'

const MiB = 1024 * 1024
const SEG = storageProof.SEGMENT_SIZE

/** The DAG the IPFS node's add makes of `data`, in memory. */
async function importDag(data: Uint8Array, flags: KuboAddFlags = {}) {
  const blocks = new Map<string, Uint8Array>()
  const blockstore = {
    put: async (cid: CID, bytes: Uint8Array) => {
      blocks.set(cid.toString(), bytes)
      return cid
    },
    get: async (cid: CID) => blocks.get(cid.toString())!,
    has: async (cid: CID) => blocks.has(cid.toString()),
  }
  let root: CID | undefined
  for await (const entry of importer([{ content: [data] }], blockstore as never, kuboAddOptions(flags))) root = entry.cid
  const get = (cid: CID | string) => {
    const bytes = blocks.get(cid.toString())
    if (bytes === undefined) throw new Error(`no block ${cid}`)
    return bytes
  }
  return { root: root!, get, kubo: { block: { get: async (cid: CID | string) => get(cid) } } }
}

/** The DAG the IPFS node's add makes of a folder (`entries` as `addToIpfs` sends them: the root folder first), in memory; counts block reads. */
async function importFolder(entries: Array<{ path: string; content?: Uint8Array }>, flags: KuboAddFlags = {}) {
  const blocks = new Map<string, Uint8Array>()
  const blockstore = {
    put: async (cid: CID, bytes: Uint8Array) => {
      blocks.set(cid.toString(), bytes)
      return cid
    },
    get: async (cid: CID) => blocks.get(cid.toString())!,
    has: async (cid: CID) => blocks.has(cid.toString()),
  }
  let root: CID | undefined
  const source = entries.map((e) => (e.content === undefined ? { path: e.path } : { path: e.path, content: [e.content] }))
  for await (const entry of importer(source, blockstore as never, kuboAddOptions(flags))) if (entry.path === entries[0]!.path) root = entry.cid
  const get = (cid: CID | string) => {
    const bytes = blocks.get(cid.toString())
    if (bytes === undefined) throw new Error(`no block ${cid}`)
    return bytes
  }
  const reads: string[] = []
  const kubo = {
    block: {
      get: async (cid: CID | string) => {
        reads.push(cid.toString())
        return get(cid)
      },
    },
  }
  return { root: root!, get, kubo, reads }
}

/** The reference: the DAG's blocks depth-first, concatenated, committed to at once. */
function referenceRoot(dag: Awaited<ReturnType<typeof importDag>>): storageProof.ContentCommitment {
  const parts: Uint8Array[] = []
  const walk = (cid: CID) => {
    const bytes = dag.get(cid)
    parts.push(bytes)
    if (cid.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) walk(l.Hash)
  }
  walk(dag.root)
  return storageProof.contentCommitment(Buffer.concat(parts))
}

/** The new path: the file's bytes through the hasher in pieces of `piece` bytes, finished against the DAG. */
async function teedRoot(
  data: Uint8Array,
  dag: Awaited<ReturnType<typeof importDag>>,
  flags: { cidVersion: 0 | 1; chunkSize?: number; maxLinks?: number },
  piece = 65536,
  hashedData = data,
) {
  const layout = fileDagLayout(data.length, { ...flags, rawLeaves: flags.cidVersion === 1 })
  const hasher = new FileHasher(layout, data.length)
  for (let at = 0; at < hashedData.length; at += piece) hasher.update(hashedData.subarray(at, at + piece))
  const hashes = hasher.finish()
  return assembleFileRoot({ cid: dag.root.toString(), size: data.length, layout, hashes, kubo: dag.kubo })
}

const hex = (c: storageProof.ContentCommitment | undefined) => (c === undefined ? 'none' : `${Buffer.from(c.root).toString('hex')}/${c.size}`)

describe('file content root hashed while uploading', () => {
  it('behavior: gives the reference root for 0, 1, one segment, a segment + 1, one chunk, a chunk + 1 and a multi-MiB random file (two layout levels)', async () => {
    for (const size of [0, 1, SEG, SEG + 1, 262144, 262145, 45 * MiB + 12345]) {
      const data = randomBytes(size)
      const dag = await importDag(data)
      const got = await teedRoot(data, dag, { cidVersion: 0 }, 65536)
      assert.notEqual(got, undefined, `size ${size}: the teed root gave up`)
      assert.equal(hex(got), hex(referenceRoot(dag)), `size ${size}`)
    }
  })

  it('behavior: the same with CIDv1 (raw leaves), with any read size, and on a three-level DAG (small chunks, few links)', async () => {
    const data = randomBytes(3 * MiB + 7)
    const v1 = await importDag(data, { cidVersion: 1 })
    assert.equal(hex(await teedRoot(data, v1, { cidVersion: 1 }, 4099)), hex(referenceRoot(v1)))
    const small = { chunkSize: 1000, maxChildrenPerNode: 5 }
    const data2 = randomBytes(1000 * 5 * 5 * 3 + 1)
    const deep = await importDag(data2, small)
    assert.equal(hex(await teedRoot(data2, deep, { cidVersion: 0, chunkSize: 1000, maxLinks: 5 }, 777)), hex(referenceRoot(deep)))
  })

  it('behavior: one wrong segment of the file changes the root (and the teed root follows the reference)', async () => {
    const data = randomBytes(2 * MiB + 3)
    const changed = Buffer.from(data)
    changed[MiB + 5]! ^= 1
    const [a, b] = [await importDag(data), await importDag(changed)]
    const [ra, rb] = [await teedRoot(data, a, { cidVersion: 0 }), await teedRoot(changed, b, { cidVersion: 0 })]
    assert.notEqual(hex(ra), hex(rb))
    assert.equal(hex(rb), hex(referenceRoot(b)))
  })

  it('behavior: gives up (no root) when the DAG is not what was hashed: other bytes, other leaves, other chunking, a shorter file', async () => {
    const data = randomBytes(MiB + 9)
    const dag = await importDag(data)
    const other = Buffer.from(data)
    other[700_000]! ^= 0x80
    assert.equal(await teedRoot(data, dag, { cidVersion: 0 }, 65536, other), undefined, 'the node has other bytes')
    const raw = await importDag(data, { cidVersion: 0, rawLeaves: true })
    assert.equal(await teedRoot(data, raw, { cidVersion: 0 }), undefined, 'the node made raw leaves')
    const chunked = await importDag(data, { chunkSize: 131072 })
    assert.equal(await teedRoot(data, chunked, { cidVersion: 0 }), undefined, 'the node chunked otherwise')
    assert.equal(await teedRoot(data, dag, { cidVersion: 0 }, 65536, data.subarray(0, data.length - 1)), undefined, 'fewer bytes were hashed')
    assert.throws(() => new FileHasher(fileDagLayout(10, { cidVersion: 0, rawLeaves: false }), 10).update(new Uint8Array(11)), RangeError)
  })

  it('behavior: a run hashed at any offset, pushed after the content before it, gives the root of the whole', () => {
    for (const [before, length] of [
      [0, 0],
      [1, SEG - 1],
      [SEG - 1, 2],
      [SEG, 5 * SEG],
      [3 * SEG + 17, 37 * SEG + 999],
      [1234567, 262158 * 3],
    ] as const) {
      const all = randomBytes(before + length + 100)
      const run = new RunHasher(before)
      for (let at = before; at < before + length; at += 3001) run.update(all.subarray(at, Math.min(at + 3001, before + length)))
      const h = run.finish()
      const builder = new storageProof.ContentTreeBuilder().update(all.subarray(0, before)).update(h.head).pushSubtrees(h.subtrees).update(h.tail)
      builder.update(all.subarray(before + length))
      assert.equal(hex(builder.finish()), hex(storageProof.contentCommitment(all)), `${before} + ${length}`)
    }
  })

  it('behavior: a run hashed in place (scratch) gives the run hashed from copies and leaves every byte of the lent buffer as it was', () => {
    for (const [offset, length, piece] of [
      [0, 5 * SEG, 3 * SEG],
      [17, 9 * SEG + 3, 2500],
      [SEG - 1, 40 * SEG, 65536],
    ] as const) {
      // The run's bytes sit one byte into their buffer, so its first segment can borrow a byte too.
      const buffer = randomBytes(length + 1)
      const before = Buffer.from(buffer)
      const copied = new RunHasher(offset)
      const inPlace = new RunHasher(offset)
      for (let at = 1; at < buffer.length; at += piece) {
        const bytes = buffer.subarray(at, Math.min(at + piece, buffer.length))
        copied.update(bytes)
        inPlace.update(bytes, true)
      }
      assert.deepEqual(inPlace.finish(), copied.finish(), `${offset} + ${length} in ${piece}`)
      assert.ok(buffer.equals(before), `${offset} + ${length} in ${piece}: the buffer is unchanged`)
    }
  })

  it('behavior: the worker-thread tee fed reads of odd sizes (one byte, across its batches, larger than a batch) gives the hashes the calling thread does', async () => {
    const data = randomBytes(11 * MiB + 7)
    const layout = fileDagLayout(data.length, { cidVersion: 1, rawLeaves: true })
    const tee = createFileTee(layout, data.length, { hashing: 'worker' })
    const sizes = [1, 65535, 3 * MiB + 5, 1, MiB, 4093]
    let got: FileHashes | undefined
    try {
      for (let at = 0, i = 0; at < data.length; i++) {
        const size = sizes[i % sizes.length]!
        await tee.update(data.subarray(at, at + size))
        at += size
      }
      got = await tee.finish()
    } finally {
      tee.close()
    }
    assert.ok((tee.pieces?.worker ?? 0) >= 1, 'pieces hashed on the worker')
    const inline = new FileHasher(layout, data.length)
    inline.update(data)
    assert.deepEqual(got, inline.finish())
  })

  it('behavior: a run split anywhere (inside its head, at a segment boundary, mid-segment) and joined gives the run hashed whole', () => {
    for (const [offset, length] of [
      [0, 9 * SEG],
      [17, 9 * SEG + 3],
      [SEG - 1, 40 * SEG + 5],
    ] as const) {
      const bytes = randomBytes(length)
      const whole = new RunHasher(offset)
      whole.update(bytes)
      const expected = whole.finish()
      for (const split of [0, 1, SEG - 1 - (offset % SEG), SEG - (offset % SEG), 4 * SEG, 4 * SEG + 100, length - 1, length]) {
        const a = new RunHasher(offset)
        a.update(bytes.subarray(0, split))
        const b = new RunHasher(offset + split)
        b.update(bytes.subarray(split))
        assert.deepEqual(joinRuns(a.finish(), b.finish()), expected, `${offset} + ${length} split at ${split}`)
      }
    }
    assert.throws(() => joinRuns(new RunHasher(0).finish(), new RunHasher(1).finish()), RangeError)
  })

  it('behavior: a FilesHasher taken up at a leaf boundary refuses any other offset (inside a leaf, past the files)', () => {
    const layout = fileDagLayout(3 * 262144, { cidVersion: 0, rawLeaves: false })
    const files = [{ layout, size: 3 * 262144, firstLeaf: 0 }]
    assert.doesNotThrow(() => new FilesHasher(files, 3, { from: 262144 }))
    assert.doesNotThrow(() => new FilesHasher(files, 3, { from: 3 * 262144 }))
    assert.throws(() => new FilesHasher(files, 3, { from: 262145 }), RangeError)
    assert.throws(() => new FilesHasher(files, 3, { from: 3 * 262144 + 1 }), RangeError)
  })

  it('behavior: a worker-thread tee whose worker falls behind hashes pieces on the calling thread, and still gives the hashes the calling thread does', async () => {
    // Empty files at piece boundaries and a file ending on one: each piece must keep to its own leaves.
    const sizes = [3 * MiB + 1, 0, 0, 5 * MiB + 262144, 0, MiB, 77]
    const layout = folderDagLayout([{ path: 'd' }, ...sizes.map((size, i) => ({ path: `d/f${i}`, size }))], { cidVersion: 0, rawLeaves: false })
    const files = sizes.map((size, i) => ({ layout: layout.files[i + 1]!, size, firstLeaf: layout.firstLeaf[i + 1]! }))
    const data = randomBytes(sizes.reduce((a, b) => a + b, 0))
    const inline = new FilesHasher(files, layout.leafOffsets.length)
    inline.update(data)
    const expected = inline.finish()
    // No bytes may wait for the worker: while it has not acknowledged its last piece, the next is hashed here.
    const tee = createFilesTee({ files, leaves: layout.leafOffsets.length }, { hashing: 'worker', workerAhead: 0 })
    let got: FileHashes | undefined
    try {
      for (let at = 0, i = 0; at < data.length; at += 65536, i++) {
        await tee.update(data.subarray(at, at + 65536))
        // Now and then the worker's acks get through, so it takes pieces between the ones hashed here.
        if (i % 24 === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      got = await tee.finish()
    } finally {
      tee.close()
    }
    assert.ok(tee.pieces!.here >= 2 && tee.pieces!.worker >= 1, `pieces here ${tee.pieces!.here}, on the worker ${tee.pieces!.worker}`)
    assert.deepEqual(got, expected)
  })

  it('behavior: by default a worker hashes files of 8 MiB and more on 3 cores and more, the calling thread everything else; asked, either', () => {
    assert.equal(hashesOnWorker(8 * MiB, 'auto', 3), true)
    assert.equal(hashesOnWorker(8 * MiB - 1, 'auto', 64), false)
    assert.equal(hashesOnWorker(1024 * MiB, 'auto', 2), false)
    assert.equal(hashesOnWorker(1024 * MiB, 'inline', 64), false)
    assert.equal(hashesOnWorker(1, 'worker', 1), true)
    const layout = fileDagLayout(9 * MiB, { cidVersion: 0, rawLeaves: false })
    const inline = createFileTee(layout, 9 * MiB, { hashing: 'inline' })
    assert.equal(inline.pieces, undefined, 'an inline tee has no worker')
    inline.close()
  })

  it('behavior: the worker-thread tee gives the hashes the calling thread does', async () => {
    const data = randomBytes(9 * MiB + 3)
    const layout = fileDagLayout(data.length, { cidVersion: 0, rawLeaves: false })
    const tee = createFileTee(layout, data.length, { hashing: 'worker' })
    let got: FileHashes | undefined
    try {
      for (let at = 0; at < data.length; at += 65536) await tee.update(data.subarray(at, at + 65536))
      got = await tee.finish()
    } finally {
      tee.close()
    }
    assert.ok((tee.pieces?.worker ?? 0) >= 1, 'pieces hashed on the worker')
    const inline = new FileHasher(layout, data.length)
    inline.update(data)
    assert.deepEqual(got, inline.finish())
  })

  it("behavior: a folder hashed as its files are sent gives the reference root, reading back only its inner blocks (directories and files' parents)", async () => {
    const big = randomBytes(2 * MiB + 5)
    const entries: Array<{ path: string; content?: Uint8Array }> = [
      { path: 'site' },
      { path: 'site/index.html', content: new TextEncoder().encode('<h1>crust</h1>') },
      { path: 'site/B.bin', content: big },
      { path: 'site/empty.txt', content: new Uint8Array(0) },
      { path: 'site/css' },
      { path: 'site/css/main.css', content: randomBytes(SEG + 1) },
      { path: 'site/ünï' },
      { path: 'site/ünï/a b+c.txt', content: randomBytes(300_000) },
      { path: 'site/a', content: randomBytes(262_144) },
      { path: 'site/nothing' },
    ]
    for (const cidVersion of [0, 1] as const) {
      const dag = await importFolder(entries, { cidVersion })
      const layout = folderDagLayout(
        entries.map((e) => (e.content === undefined ? { path: e.path } : { path: e.path, size: e.content.length })),
        { cidVersion, rawLeaves: cidVersion === 1 },
      )
      const files = entries.flatMap((e, i) =>
        e.content === undefined ? [] : [{ layout: layout.files[i]!, size: e.content.length, firstLeaf: layout.firstLeaf[i]! }],
      )
      const hasher = new FilesHasher(files, layout.leafOffsets.length)
      const sent = Buffer.concat(entries.flatMap((e) => (e.content === undefined ? [] : [e.content])))
      for (let at = 0; at < sent.length; at += 65536) hasher.update(sent.subarray(at, at + 65536))
      const got = await assembleFileRoot({ cid: dag.root.toString(), size: sent.length, layout, hashes: hasher.finish(), kubo: dag.kubo })
      assert.equal(hex(got), hex(referenceRoot(dag)), `CIDv${cidVersion}`)
      // Inner blocks only: the 4 directories (one empty) and the parents of the two files of more than one chunk (a file of one chunk is its leaf).
      assert.equal(dag.reads.length, 6, `CIDv${cidVersion}: read back ${dag.reads.length} blocks`)
      const other = Buffer.from(sent)
      other[sent.length - 1]! ^= 1
      const wrong = new FilesHasher(files, layout.leafOffsets.length)
      wrong.update(other)
      assert.equal(
        await assembleFileRoot({ cid: dag.root.toString(), size: sent.length, layout, hashes: wrong.finish(), kubo: dag.kubo }),
        undefined,
        'other bytes: no root',
      )
    }
  })

  it('behavior: the worker-thread tee of several files gives the hashes the calling thread does', async () => {
    const sizes = [3 * MiB + 1, 0, 6 * MiB]
    const layout = folderDagLayout([{ path: 'd' }, ...sizes.map((size, i) => ({ path: `d/f${i}`, size }))], { cidVersion: 0, rawLeaves: false })
    const files = sizes.map((size, i) => ({ layout: layout.files[i + 1]!, size, firstLeaf: layout.firstLeaf[i + 1]! }))
    const data = randomBytes(sizes.reduce((a, b) => a + b, 0))
    const tee = createFilesTee({ files, leaves: layout.leafOffsets.length }, { hashing: 'worker' })
    let got: FileHashes | undefined
    try {
      for (let at = 0; at < data.length; at += 65536) await tee.update(data.subarray(at, at + 65536))
      got = await tee.finish()
    } finally {
      tee.close()
    }
    assert.ok((tee.pieces?.worker ?? 0) >= 1, 'pieces hashed on the worker')
    const inline = new FilesHasher(files, layout.leafOffsets.length)
    inline.update(data)
    assert.deepEqual(got, inline.finish())
  })
})
