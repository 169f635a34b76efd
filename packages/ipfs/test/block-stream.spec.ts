/** The block stream: hinted holders serve a DAG's blocks on one stream per peer, checked against their CIDs. */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { BLOCK_STREAM_PROTOCOL, BlockStreamError, checkBlock, MAX_BLOCK_STREAMS, readFrames, serveBlockStream } from '../src/node/block-stream.js'
import { createIpfsNode, type DefaultIpfsNode, kuboAddOptions, type ProviderHints } from '../src/index.js'
import { bytes, collect, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

const frame = (body: number[]): number[] => [0, 0, 0, body.length, ...body]

async function* chunks(...parts: number[][]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Uint8Array.from(p)
}

async function frames(source: AsyncIterable<Uint8Array>, max = 16): Promise<number[][]> {
  const out: number[][] = []
  for await (const f of readFrames(source, max)) out.push([...f])
  return out
}

describe('block stream: frames', () => {
  it('behavior: frames split across chunks and several in one chunk come out whole, in order', async () => {
    const wire = [...frame([1, 2, 3]), ...frame([]), ...frame([9])]
    assert.deepEqual(await frames(chunks(wire.slice(0, 2), wire.slice(2, 5), wire.slice(5))), [[1, 2, 3], [], [9]])
    assert.deepEqual(await frames(chunks(wire)), [[1, 2, 3], [], [9]])
  })

  it('behavior: a frame over the limit and a stream ending inside a frame are errors', async () => {
    await assert.rejects(frames(chunks(frame(Array.from({ length: 17 }, () => 0)))), BlockStreamError)
    await assert.rejects(frames(chunks(frame([1, 2, 3]).slice(0, 5))), BlockStreamError)
  })
})

describe('block stream: checking a block', () => {
  const block = Uint8Array.from([1, 2, 3, 4])
  const cidOf = async (b: Uint8Array) => CID.createV1(raw.code, await sha256.digest(b))
  /** Fails as Helia's check does on a hash mismatch. */
  const mismatch = () => Object.assign(new Error('Hash of downloaded block did not match multihash from passed CID'), { name: 'InvalidMultihashError' })

  it('behavior: without a caller check, the block is hashed with SHA-256 against the CID', async () => {
    const cid = await cidOf(block)
    assert.equal(await checkBlock(cid, block), 'ok')
    assert.equal(await checkBlock(cid, Uint8Array.from([1, 2, 3, 5])), 'wrong')
  })

  it("behavior: with a caller check, its verdict is taken and the stream does not hash the block itself; a hash mismatch is a wrong block, another error is the caller's", async () => {
    // a CID of other bytes: were the block hashed here, it would be 'wrong'
    const other = await cidOf(Uint8Array.from([9]))
    const seen: Uint8Array[] = []
    assert.equal(
      await checkBlock(other, block, async (b) => {
        seen.push(b)
      }),
      'ok',
    )
    assert.deepEqual(seen, [block])
    assert.equal(
      await checkBlock(other, block, async () => {
        throw mismatch()
      }),
      'wrong',
    )
    const aborted = await checkBlock(other, block, async () => {
      throw new DOMException('gave up', 'AbortError')
    })
    assert.ok(typeof aborted === 'object' && aborted.error.name === 'AbortError')
  })
})

describe('block stream: between nodes', () => {
  const dir = tempDir('block-stream')
  let holder: DefaultIpfsNode
  const fetchers: DefaultIpfsNode[] = []

  const fetcherOf = async (name: string): Promise<DefaultIpfsNode> => {
    const hints: ProviderHints = {
      providersOf: async () => [{ peerId: holder.libp2p.peerId.toString(), multiaddrs: holder.libp2p.getMultiaddrs().map(String) }],
    }
    const fetcher = await createIpfsNode({ repoPath: path.join(dir.path, name), swarm: LOOPBACK, fetchTimeoutMs: 20_000, providerHints: hints })
    fetchers.push(fetcher)
    return fetcher
  }

  before(async () => {
    holder = await createIpfsNode({ repoPath: path.join(dir.path, 'holder'), swarm: LOOPBACK })
  })

  after(async () => {
    for (const f of fetchers) await f.stop()
    await holder.stop()
    dir.remove()
  })

  it('behavior: a hinted holder serves a whole DAG on the block stream, and the fetcher scores it', async () => {
    const content = await collect(deterministicBytes(1500 * KiB, 'block-stream', 64 * KiB))
    const root = await holder.fs.addBytes(content, kuboAddOptions())
    const fetcher = await fetcherOf('fetcher')
    for await (const _ of fetcher.helia.pins.add(root)) {
      // every block fetched and stored
    }
    assert.deepEqual(await collect(fetcher.fs.cat(root, { offline: true })), bytes(content))
    // 1500 KiB in 256 KiB leaves: 6 leaves and the root. The root is asked before the holder is
    // dialled (through bitswap, whose provider lookup dials it); every leaf after it on the stream.
    assert.equal(holder.blocksServedOnStreams, 6)
    assert.equal(fetcher.retrieval.get(holder.libp2p.peerId.toString())?.successes, 7)
  })

  it('behavior: a holder whose stream sends bytes that do not hash to the CID scores wrong blocks, and the fetch completes through bitswap', async () => {
    const content = await collect(deterministicBytes(600 * KiB, 'block-stream-liar', 64 * KiB))
    const root: CID = await holder.fs.addBytes(content, kuboAddOptions())
    // The holder's real server, reading from a store that flips a byte of every block it returns.
    await holder.libp2p.unhandle(BLOCK_STREAM_PROTOCOL)
    const served = holder.blocksServedOnStreams
    let lies = 0
    const store = {
      has: (cid: CID) => holder.helia.blockstore.has(cid),
      get: async (cid: CID) => {
        const block = Uint8Array.from(await collect(holder.helia.blockstore.get(cid)))
        block[block.length - 1]! ^= 0xff
        lies++
        return block
      },
    }
    await holder.libp2p.handle(BLOCK_STREAM_PROTOCOL, (stream: Stream) => serveBlockStream(stream, store), { maxInboundStreams: MAX_BLOCK_STREAMS })
    const fetcher = await fetcherOf('fetcher-2')
    for await (const _ of fetcher.helia.pins.add(root)) {
      // the blocks came, from bitswap once the stream lied
    }
    assert.deepEqual(await collect(fetcher.fs.cat(root, { offline: true })), bytes(content))
    assert.ok(lies >= 1, 'the lying store was read')
    assert.equal(holder.blocksServedOnStreams, served, 'no true block went on the stream')
    assert.ok((fetcher.retrieval.get(holder.libp2p.peerId.toString())?.wrongBlocks ?? 0) >= 1, 'the lie counted as a wrong block')
  })
})
