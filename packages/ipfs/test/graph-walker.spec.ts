/** The read-ahead DAG walk on a fake block store: same order as the plain walk, a bounded window, clean failure. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { GraphWalkerComponents } from '@helia/interface'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { prefetchingWalker, sequentialWalker } from '../src/node/graph-walker.js'

/** A two-level dag-cbor tree: a root linking `fanout` nodes, each linking `fanout` raw leaves. */
async function tree(fanout: number): Promise<{ root: CID; blocks: Map<string, Uint8Array> }> {
  const blocks = new Map<string, Uint8Array>()
  const put = async (bytes: Uint8Array, code: number) => {
    const cid = CID.create(1, code, await sha256.digest(bytes))
    blocks.set(cid.toString(), bytes)
    return cid
  }
  const mids: CID[] = []
  for (let m = 0; m < fanout; m++) {
    const leaves: CID[] = []
    for (let l = 0; l < fanout; l++) leaves.push(await put(new Uint8Array([m, l, 1]), raw.code))
    mids.push(await put(dagCbor.encode({ leaves }), dagCbor.code))
  }
  return { root: await put(dagCbor.encode({ mids }), dagCbor.code), blocks }
}

/** Components whose reads take a turn each, counting those in flight; `fail` names blocks that cannot be read. */
function components(blocks: Map<string, Uint8Array>, fail: Set<string> = new Set()) {
  const stats = { inFlight: 0, peak: 0 }
  const c = {
    blockstore: {
      async *get(cid: CID) {
        stats.inFlight++
        stats.peak = Math.max(stats.peak, stats.inFlight)
        try {
          await new Promise((resolve) => setTimeout(resolve, 1))
          if (fail.has(cid.toString())) throw new Error('block not found')
          yield blocks.get(cid.toString())!
        } finally {
          stats.inFlight--
        }
      },
    },
    getCodec: async (code: number) => (code === raw.code ? raw : dagCbor),
  } as unknown as GraphWalkerComponents
  return { c, stats }
}

const visit = async (walk: AsyncIterable<{ block: { cid: CID } }>) => {
  const out: string[] = []
  for await (const node of walk) out.push(node.block.cid.toString())
  return out
}

describe('prefetching DAG walk', () => {
  it('behavior: visits the blocks in the plain walk order with several reads in flight, never more than the window', async () => {
    const { root, blocks } = await tree(12)
    const plain = await visit(sequentialWalker()(components(blocks).c).walk(root))
    const ahead = components(blocks)
    assert.deepEqual(await visit(prefetchingWalker(8)(ahead.c).walk(root)), plain)
    assert.equal(plain.length, 1 + 12 + 144)
    assert.ok(ahead.stats.peak > 1 && ahead.stats.peak <= 8, `reads in flight peaked at ${ahead.stats.peak}`)
  })

  it('behavior: a block that cannot be read ends the walk with its error, and a failed read ahead is never left unhandled', async () => {
    const { root, blocks } = await tree(12)
    // Two unreadable blocks next to each other in walk order: the walk stops at the first while the
    // read of the second, already requested, fails with nobody waiting for it.
    const order = await visit(sequentialWalker()(components(blocks).c).walk(root))
    const failing = new Set([order[40]!, order[41]!])
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const store = components(blocks, failing)
      await assert.rejects(visit(prefetchingWalker(16)(store.c).walk(root)), /block not found/)
      // every read the walk left behind has ended, and Node has had a turn to report any unhandled
      const deadline = Date.now() + 5_000
      while (store.stats.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve))
      assert.equal(store.stats.inFlight, 0)
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(unhandled, [])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
