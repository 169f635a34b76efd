import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import fc from 'fast-check'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { createIpfsNode, encodeFileLeaf, fastLeafImporter, framedChunker, kuboAddOptions, LmdbBlockstore, LmdbRepo } from '../src/index.js'
import { disposeConsumed, markDisposable } from '../src/node/disposable.js'
import { takeRelease } from '../src/store/after-write.js'
import { bytes, collect, dagBlocks, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024

describe('node: import pipeline', () => {
  it('behavior: encodeFileLeaf produces exactly the dag-pb UnixFS leaf of the reference encoders', () => {
    const reference = (data: Uint8Array) => dagPb.encode({ Data: new UnixFS({ type: 'file', data }).marshal(), Links: [] })
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 262_144, 1_048_576]) {
      const data = new Uint8Array(n).map((_, i) => i * 31)
      assert.deepEqual(bytes(encodeFileLeaf(data)), bytes(reference(data)), `length ${n}`)
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        assert.deepEqual(bytes(encodeFileLeaf(data)), bytes(reference(data)))
      }),
    )
  })

  it("behavior: framedChunker cuts the chunks fixedSize cuts, and the leaves framed around them are encodeFileLeaf's, none overwriting another", async () => {
    const all = async (source: AsyncIterable<Uint8Array>) => {
      const out: Uint8Array[] = []
      for await (const c of source) out.push(c)
      return out
    }
    const leavesOf = async (chunks: Uint8Array[], framed?: WeakSet<Uint8Array>) => {
      const store = { put: async (c: CID) => c }
      const importer = fastLeafImporter({ cidVersion: 0, rawLeaves: false, ...(framed === undefined ? {} : { framed }) })
      const out: Uint8Array[] = []
      for await (const step of importer(
        {
          content: (async function* () {
            yield* chunks
          })(),
        } as never,
        store as never,
      ))
        out.push((await step()).block)
      return out
    }
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 700 }),
        async (size, cuts, chunkSize) => {
          const data = new Uint8Array(size).map((_, i) => (i * 7 + size) % 256)
          const pieces = () => {
            const out: Uint8Array[] = []
            for (let at = 0, k = 0; at < size; k++) {
              const n = cuts[k % cuts.length]!
              out.push(data.slice(at, at + n))
              at += n
            }
            return out
          }
          const framed = new WeakSet<Uint8Array>()
          const got = await all(
            framedChunker(
              chunkSize,
              framed,
            )(
              (async function* () {
                yield* pieces()
              })(),
            ),
          )
          const want = await all(
            fixedSize({ chunkSize })(
              (async function* () {
                yield* pieces()
              })(),
            ),
          )
          assert.deepEqual(got.map(bytes), want.map(bytes))
          assert.ok(got.every((c) => framed.has(c)))
          // Every leaf framed in place (all chunks first, then all frames), then compared: no frame reached into a neighbour.
          const leaves = (await leavesOf(got, framed)).map(bytes)
          assert.deepEqual(
            leaves,
            want.map((c) => bytes(encodeFileLeaf(c))),
          )
          assert.deepEqual(got.map(bytes), want.map(bytes), 'the chunks are intact after framing')
        },
      ),
      { numRuns: 200 },
    )
  })

  it("behavior: a chunk's memory is cut again for a later chunk of the file only once the block store handed its block back", async () => {
    const chunkSize = 1000
    const data = new Uint8Array(12 * chunkSize).map((_, i) => (i * 13 + (i >> 10)) % 251)
    const framed = new WeakSet<Uint8Array>()
    const handBack: Array<() => void> = []
    const store = {
      put: async (cid: CID, block: Uint8Array) => {
        const release = takeRelease(block)
        assert.ok(release !== undefined, 'every full framed chunk is registered before its put')
        handBack.push(release)
        return cid
      },
    }
    const content = framedChunker(
      chunkSize,
      framed,
    )(
      (async function* () {
        for (let at = 0; at < data.length; at += 300) yield data.slice(at, at + 300)
      })(),
    )
    const leaves: Array<{ cid: CID; block: Uint8Array }> = []
    for await (const step of fastLeafImporter({ cidVersion: 0, rawLeaves: false, framed })({ content } as never, store as never)) {
      const leaf = await step()
      leaves.push({ cid: leaf.cid, block: leaf.block })
      // the first leaf's write settles after the fifth leaf: the sixth chunk is cut into its memory
      if (leaves.length === 5) handBack[0]!()
    }
    const sameMemory = (a: Uint8Array, b: Uint8Array) => a.buffer === b.buffer && a.byteOffset === b.byteOffset
    assert.equal(leaves.length, 12)
    for (let i = 1; i < 5; i++) assert.ok(!sameMemory(leaves[i]!.block, leaves[0]!.block), `chunk ${i} has memory of its own`)
    assert.ok(sameMemory(leaves[5]!.block, leaves[0]!.block), "the sixth chunk reuses the first one's memory")
    for (let i = 6; i < 12; i++)
      assert.ok(
        leaves.slice(0, i).every((l) => !sameMemory(leaves[i]!.block, l.block)),
        `chunk ${i} reuses nothing not handed back`,
      )
    // every leaf not handed back still holds the bytes its CID names
    for (const [i, leaf] of leaves.entries()) {
      if (i === 0) continue
      assert.deepEqual(bytes(leaf.block), bytes(encodeFileLeaf(data.subarray(i * chunkSize, (i + 1) * chunkSize))), `leaf ${i}`)
      assert.deepEqual(CID.create(0, dagPb.code, await sha256.digest(leaf.block)), leaf.cid)
    }
  })

  it('behavior: an upload piece marked disposable is freed once the chunker copied all of it, never before; other memory never is', async () => {
    const own = (n: number, seed: number) => {
      const b = Buffer.allocUnsafeSlow(n)
      for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) % 256
      return b
    }
    const a = own(700, 1)
    const b = own(700, 2)
    const c = own(700, 3)
    const sliced = own(700, 4)
    const pooled = Buffer.from('bytes in a slice of the shared pool')
    for (const piece of [a, b, c, sliced, pooled]) markDisposable(piece)
    // a view that stops short of its memory's end: the rest could still be on its way
    const pieces = [a, b, c, sliced.subarray(0, 300), pooled]
    const input = Buffer.concat(pieces)
    const framed = new WeakSet<Uint8Array>()
    const chunks = framedChunker(
      1000,
      framed,
    )(
      (async function* () {
        yield* pieces
      })(),
    )
    const out: Buffer[] = []
    const first = await chunks.next()
    out.push(bytes(first.value as Uint8Array))
    assert.equal(a.buffer.detached, true, 'copied whole into the first chunk')
    assert.equal(b.buffer.detached, false, 'only partly copied yet')
    for await (const chunk of chunks) out.push(bytes(chunk))
    assert.deepEqual(Buffer.concat(out), input)
    assert.deepEqual(
      [a, b, c].map((p) => p.buffer.detached),
      [true, true, true],
    )
    assert.equal(sliced.buffer.detached, false)
    assert.equal(pooled.buffer.detached, false)
    assert.equal(pooled.toString(), 'bytes in a slice of the shared pool')
    // unmarked memory is left alone
    const unmarked = own(100, 5)
    disposeConsumed(unmarked)
    assert.equal(unmarked.buffer.detached, false)
  })

  it('behavior: an add whose chunks reuse committed memory stores every block intact (the blocks match their CIDs, the file reads back)', async () => {
    const dir = tempDir('recycle')
    const node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: [] })
    try {
      const size = 24 * 256 * KiB + 1234
      // pieces that arrive over several event-loop turns, as a socket's do: commits are reported in between
      const source = async function* () {
        for (const piece of deterministicBytes(size, 'recycle', 64 * KiB)) {
          await new Promise((resolve) => setImmediate(resolve))
          yield piece
        }
      }
      // few blocks in flight (the API's add runs 16): chunks are cut after earlier blocks committed
      const cid = await node.fs.addByteStream(source(), { ...kuboAddOptions(), blockWriteConcurrency: 2 })
      // each block read back (offline) and checked against its CID first: 25 leaves and their parent
      assert.equal((await dagBlocks(node.helia.blockstore, cid)).length, 26)
      assert.deepEqual(await collect(node.fs.cat(cid)), await collect(deterministicBytes(size, 'recycle', 64 * KiB)))
    } finally {
      await node.stop()
      dir.remove()
    }
  })

  it('behavior: progress events report every leaf written, through kuboAddOptions', async () => {
    const dir = tempDir('progress')
    const node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: ['/ip4/127.0.0.1/tcp/0'] })
    try {
      const writes: bigint[] = []
      const cid = await node.fs.addByteStream(
        deterministicBytes(1000 * KiB, 'progress', 64 * KiB),
        kuboAddOptions({
          onProgress: (evt) => {
            if (evt.type === 'unixfs:importer:progress:file:write') writes.push((evt.detail as { bytesWritten: bigint }).bytesWritten)
          },
        }),
      )
      assert.equal(writes.length, 4, 'four 256 KiB leaves')
      assert.ok(writes.every((w, i) => i === 0 || w > writes[i - 1]!))
      assert.ok(writes.at(-1)! > BigInt(1000 * KiB), 'bytes written include the dag-pb wrapping')
      assert.equal((await collect(node.fs.cat(cid))).length, 1000 * KiB)
    } finally {
      await node.stop()
      dir.remove()
    }
  })

  it('behavior: a write-behind import resolves only once every block is committed', async () => {
    const dir = tempDir('writebehind')
    const repo = LmdbRepo.open({ path: path.join(dir.path, 'db') })
    const store = new LmdbBlockstore(repo)
    try {
      const blocks = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const data = new TextEncoder().encode(`write-behind block ${i} `.repeat(200))
          return { cid: CID.createV1(raw.code, await sha256.digest(data)), data }
        }),
      )
      const stored = await store.writeBehind(async () => {
        for (const { cid, data } of blocks) await store.put(cid, data)
        return blocks.length
      })
      assert.equal(stored, 200)
      // committed: visible to a fresh read transaction, and after closing and reopening
      assert.equal(repo.stat().blocks, 200)
      await repo.close()
      repo.reopen()
      for (const { cid, data } of blocks) assert.deepEqual(await collect(store.get(cid)), bytes(data))
    } finally {
      await repo.close()
      dir.remove()
    }
  })

  it('error: a put that fails inside a write-behind import fails the import, after the other writes settle', async () => {
    const dir = tempDir('writebehind-fail')
    const repo = LmdbRepo.open({ path: path.join(dir.path, 'db') })
    const store = new LmdbBlockstore(repo)
    try {
      const good = new TextEncoder().encode('written before the failure')
      const goodCid = CID.createV1(raw.code, await sha256.digest(good))
      const failing = (async function* () {
        yield new Uint8Array(1)
        throw new Error('source failed')
      })()
      await assert.rejects(
        store.writeBehind(async () => {
          await store.put(goodCid, good)
          await store.put(goodCid, failing)
        }),
        /source failed/,
      )
      // the earlier write is committed, nothing is left in flight
      assert.equal(store.has(goodCid), true)
    } finally {
      await repo.close()
      dir.remove()
    }
  })
})
