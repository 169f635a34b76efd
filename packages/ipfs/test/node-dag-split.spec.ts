/**
 * A DAG spread over its holders: three real nodes over loopback TCP, two of them holding a file and
 * named by the fetcher's provider hints. The fetcher pins the file (as a storage node's pull does)
 * and asks each block of one holder, not of both; when a holder stalls or stops, its wants move to
 * the other.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, kuboAddOptions, type ProviderHints } from '../src/index.js'
import { bytes, collect, dagBlocks, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
const CHUNK = 32 * KiB
const SIZE = 6 * 1024 * KiB

const holderOf = (n: DefaultIpfsNode) => ({ peerId: n.libp2p.peerId.toString(), multiaddrs: n.libp2p.getMultiaddrs().map(String) })

describe('node: a DAG split among its holders', () => {
  const dir = tempDir('dag-split')
  let holders: DefaultIpfsNode[]
  let content: Buffer
  let root: CID
  let blockCount: number
  let n = 0

  /**
   * A fresh fetcher whose hints name both holders; a holder silent for `stallMs` hands its wants on
   * (the split case waits long: on a loaded machine a 1 s pause moved wants that were then sent twice).
   */
  const newFetcher = (stallMs = 1_000): Promise<DefaultIpfsNode> => {
    const hints: ProviderHints = { providersOf: async () => holders.map(holderOf) }
    return createIpfsNode({
      repoPath: path.join(dir.path, `fetcher-${n++}`),
      swarm: LOOPBACK,
      fetchTimeoutMs: 30_000,
      providerHints: hints,
      holderStallMs: stallMs,
    })
  }
  const served = (fetcher: DefaultIpfsNode, holder: DefaultIpfsNode) => fetcher.retrieval.get(holder.libp2p.peerId.toString())?.successes ?? 0

  before(async () => {
    content = await collect(deterministicBytes(SIZE, 'dag-split', 64 * KiB))
    holders = []
    for (const name of ['first', 'second']) {
      const holder = await createIpfsNode({ repoPath: path.join(dir.path, name), swarm: LOOPBACK })
      const cid = await holder.fs.addBytes(content, kuboAddOptions({ chunkSize: CHUNK }))
      if (root !== undefined) assert.equal(cid.toString(), root.toString())
      root = cid
      holders.push(holder)
    }
    blockCount = (await dagBlocks(holders[0]!.helia.blockstore, root)).length
  })

  after(async () => {
    for (const h of holders) await h.stop().catch(() => {})
    dir.remove()
  })

  it('behavior: each of two hinted holders serves over a quarter of the blocks, none is sent twice, and the file comes back byte-identical', async () => {
    const fetcher = await newFetcher(60_000)
    try {
      for await (const _ of fetcher.helia.pins.add(root)) {
        // every block fetched and pinned
      }
      const shares = holders.map((h) => served(fetcher, h) / blockCount)
      for (const share of shares) assert.ok(share > 0.25, `each holder served over 25 % of ${blockCount} blocks: ${shares.join(', ')}`)
      // Bitswap's own way (every holder asked for every block) sends the file about twice.
      const sent = holders.reduce((sum, h) => sum + h.bitswapSentTo(fetcher.libp2p.peerId.toString()), 0)
      assert.ok(sent < content.length * 1.2, `the holders sent ${sent} bytes for a file of ${content.length}`)
      assert.deepEqual(bytes(await collect(fetcher.fs.cat(root, { offline: true }))), bytes(content))
    } finally {
      await fetcher.stop()
    }
  })

  it('behavior: a holder that stops answering mid-way has its wants taken over by the other, and the pin completes', async () => {
    const fetcher = await newFetcher()
    const [slow, fast] = holders as [DefaultIpfsNode, DefaultIpfsNode]
    // The slow holder's bitswap reads its blocks through Helia's block store: from the 20th read on,
    // they never finish (a holder stuck on its disk, still connected).
    const store = slow.helia.blockstore
    const get = store.get.bind(store)
    let reads = 0
    store.get = ((cid: CID, options?: { signal?: AbortSignal }) => {
      if (++reads < 20) return get(cid, options)
      return (async function* stuck() {
        await new Promise<never>(() => {})
      })()
    }) as typeof store.get
    try {
      let pinned = 0
      for await (const _ of fetcher.helia.pins.add(root)) pinned++
      assert.equal(pinned, blockCount)
      assert.ok(reads >= 20, 'the slow holder got stuck mid-way')
      assert.ok(served(fetcher, fast) > blockCount / 2, `the other holder served the rest: ${served(fetcher, fast)} of ${blockCount}`)
      assert.deepEqual(bytes(await collect(fetcher.fs.cat(root, { offline: true }))), bytes(content))
    } finally {
      store.get = get
      await fetcher.stop()
    }
  })

  it('behavior: a holder stopped a quarter into the pin leaves the rest to the other, and the file comes back whole', async () => {
    const fetcher = await newFetcher()
    const busier = () => (served(fetcher, holders[0]!) >= served(fetcher, holders[1]!) ? 0 : 1)
    let stopped: number | undefined
    let pinned = 0
    for await (const _ of fetcher.helia.pins.add(root)) {
      if (stopped === undefined && ++pinned >= blockCount / 4) {
        stopped = busier()
        await holders[stopped]!.stop()
      }
    }
    try {
      assert.ok(stopped !== undefined, 'a holder was stopped mid-way')
      const other = holders[1 - stopped]!
      assert.ok(served(fetcher, other) > blockCount / 2, `the live holder served the rest: ${served(fetcher, other)} of ${blockCount}`)
      assert.deepEqual(bytes(await collect(fetcher.fs.cat(root, { offline: true }))), bytes(content))
    } finally {
      await fetcher.stop()
    }
  })
})
