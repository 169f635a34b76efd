/**
 * Pin bookkeeping under shared and repeated blocks, direct pins and re-pins, through
 * `node.helia.pins` and through the Kubo API, on a real node and LMDB repo. Every scenario ends with
 * a garbage collection and checks that each block of every DAG still pinned is in the block store.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, afterEach, beforeEach, describe, it } from 'node:test'
import type { GraphNode, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, kuboAddOptions } from '../src/index.js'
import { type ApiFixture, startApi } from './fixtures/api-server.js'
import { dagBlocks, deterministicBytes, multihashKey, tempDir } from './fixtures/content.js'

const KiB = 1024
const CHUNK = 256 * KiB

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

function randomBytes(size: number, seed: string): Uint8Array {
  return concat(...deterministicBytes(size, seed, 64 * KiB))
}

/**
 * A DAG walker with the faults reported against Helia's default one: it follows every link, so a
 * block linked n times is visited n times (`repeats`), and optionally descends past `depth`
 * (`ignoreDepth`; it still asks `includeChild`, as Helia's walkers do). A caller may pass any walker
 * to `pins.add`/`pins.rm`; the pins must stay right.
 */
function faultyWalker(faults: { ignoreDepth: boolean }): GraphWalkerFactory {
  return (components) => ({
    async *walk<T = unknown>(root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const maxDepth = faults.ignoreDepth ? Number.POSITIVE_INFINITY : (options.depth ?? Number.POSITIVE_INFINITY)
      const stack: Array<{ cid: CID; depth: number; path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
      while (stack.length > 0) {
        const { cid, depth, path } = stack.pop()!
        const parts: Uint8Array[] = []
        for await (const chunk of components.blockstore.get(cid, options)) parts.push(chunk)
        const block = createUnsafe({ cid, bytes: concat(...parts), codec: await components.getCodec(cid.code) }) as GraphNode<T>['block']
        if (depth < maxDepth) {
          const links = [...block.links()].map(([, child]) => child).filter((child) => options.includeChild?.(child, block) !== false)
          for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i]!, depth: depth + 1, path: [...path, links[i]!] })
        }
        yield { block, depth, path }
      }
    },
  })
}

/** The walkers a `node.helia.pins` caller may use: the default (none passed) and faulty ones. */
const WALKERS: Array<{ name: string; walker: () => GraphWalkerFactory | undefined }> = [
  { name: 'default walker', walker: () => undefined },
  { name: 'walker visiting repeated blocks again', walker: () => faultyWalker({ ignoreDepth: false }) },
  { name: 'walker ignoring depth', walker: () => faultyWalker({ ignoreDepth: true }) },
]

/** The test data of one scenario: two files sharing their first leaves, and zero-filled ones. */
function contents(seed: string): { a: Uint8Array; b: Uint8Array; zeros: Uint8Array; zerosAndMore: Uint8Array } {
  const a = randomBytes(1200 * KiB, seed) // 4 full leaves + 1 partial
  return {
    a,
    b: concat(a.subarray(0, 2 * CHUNK), randomBytes(300 * KiB, `${seed}-b`)), // shares A's first 2 leaves
    zeros: new Uint8Array(3 * CHUNK), // one leaf, linked 3 times
    zerosAndMore: concat(new Uint8Array(2 * CHUNK), randomBytes(300 * KiB, `${seed}-z`)), // shares that leaf
  }
}

interface Harness {
  node: DefaultIpfsNode
  add(bytes: Uint8Array): Promise<CID>
  pin(cid: CID, options?: { depth?: number }): Promise<void>
  unpin(cid: CID): Promise<void>
}

describe('node: pins of shared, repeated and re-pinned blocks', () => {
  const dir = tempDir('pins')
  let node: DefaultIpfsNode
  let api: ApiFixture
  let repos = 0

  // a fresh node and repo for each test, so a failure cannot leave records that fail the next one
  beforeEach(async () => {
    node = await createIpfsNode({ repoPath: path.join(dir.path, `repo-${repos++}`), swarm: [], fetchTimeoutMs: 300 })
    api = await startApi(node)
  })

  afterEach(async () => {
    await api.stop()
  })

  after(() => {
    dir.remove()
  })

  const blocksOf = (cid: CID) => dagBlocks(node.helia.blockstore, cid)

  /** Asserts every block of each DAG is in the block store. */
  async function assertWhole(what: string, dags: Map<CID, CID[]>): Promise<void> {
    for (const [root, blocks] of dags) {
      const missing: string[] = []
      for (const cid of blocks) if (!(await node.helia.blockstore.has(cid))) missing.push(cid.toString())
      assert.deepEqual(missing, [], `${what}: blocks of pinned ${root} deleted by gc`)
    }
  }

  /** Asserts none of `cids` is still protected by a pin record. */
  async function assertUnprotected(what: string, cids: CID[]): Promise<void> {
    for (const cid of cids) assert.equal(await node.helia.pins.isPinned(cid), false, `${what}: ${cid} still counted as pinned`)
  }

  /** Unpins whatever the scenario left pinned and collects: nothing may stay protected. */
  async function reset(): Promise<void> {
    for (const pin of await drain(node.helia.pins.ls())) await drain(node.helia.pins.rm(pin.cid))
    await node.gc()
    assert.equal(node.repo.stat().blocks, 0, 'gc leaves an empty repo once nothing is pinned')
  }

  const viaHelia = (walker: GraphWalkerFactory | undefined): Harness => ({
    node,
    add: (bytes) => node.fs.addBytes(bytes, kuboAddOptions()),
    pin: async (cid, options = {}) => {
      await drain(node.helia.pins.add(cid, { ...options, ...(walker === undefined ? {} : { walker }) }))
    },
    unpin: async (cid) => {
      await drain(node.helia.pins.rm(cid, walker === undefined ? {} : { walker }))
    },
  })

  const viaApi = (): Harness => ({
    node,
    // `add` pins recursively (Kubo's default); the scenarios pin explicitly, so unpin here
    add: async (bytes) => {
      const { cid } = await api.client.add(bytes)
      await api.client.pin.rm(cid)
      return cid
    },
    pin: async (cid, options = {}) => {
      await api.client.pin.add(cid, { recursive: options.depth !== 0 })
    },
    unpin: async (cid) => {
      await api.client.pin.rm(cid)
    },
  })

  /** (a) A direct pin protects its root only; unpinning it leaves the other pins whole. */
  async function directPin(h: Harness, seed: string): Promise<void> {
    const data = contents(seed)
    const a = await h.add(data.a)
    const b = await h.add(data.b)
    const aBlocks = await blocksOf(a)
    const bBlocks = await blocksOf(b)
    const bKeys = new Set(bBlocks.map(multihashKey))
    const aOnly = aBlocks.filter((c) => !c.equals(a) && !bKeys.has(multihashKey(c)))
    await h.pin(b)
    await h.pin(a, { depth: 0 })
    assert.equal((await h.node.helia.pins.get(a)).depth, 0)
    assert.equal(await h.node.helia.pins.isPinned(a), true)
    await assertUnprotected('direct pin', aOnly)
    await h.node.gc()
    await assertWhole('direct pin', new Map([[b, bBlocks]]))
    assert.equal(await h.node.helia.blockstore.has(a), true, 'the directly pinned root survives gc')
    await h.unpin(a)
    await h.node.gc()
    await assertWhole('direct pin removed', new Map([[b, bBlocks]]))
    await assertUnprotected('direct pin removed', [a])
    await h.unpin(b)
    await assertUnprotected('all unpinned', [...aBlocks, ...bBlocks])
  }

  /** (b) A DAG linking one block several times: unpinning it counts that block down once. */
  async function repeatedBlocks(h: Harness): Promise<void> {
    const data = contents('zeros')
    const z = await h.add(data.zeros)
    const y = await h.add(data.zerosAndMore)
    const zBlocks = await blocksOf(z)
    const yBlocks = await blocksOf(y)
    assert.equal(zBlocks.length, 2, 'the zero-filled file is one root linking one leaf 3 times')
    await h.pin(z)
    await h.pin(y)
    await h.unpin(z)
    await h.node.gc()
    await assertWhole('repeated blocks', new Map([[y, yBlocks]]))
    await h.unpin(y)
    await assertUnprotected('repeated blocks, all unpinned', [...zBlocks, ...yBlocks])
  }

  /** (c) Pin A, pin B (sharing blocks with A), unpin A, re-pin A, unpin B: A stays whole. */
  async function repinAfterUnpin(h: Harness, seed: string): Promise<void> {
    const data = contents(seed)
    const a = await h.add(data.a)
    const b = await h.add(data.b)
    const aBlocks = await blocksOf(a)
    const bBlocks = await blocksOf(b)
    await h.pin(a)
    await h.pin(b)
    await h.unpin(a)
    await h.pin(a)
    await h.unpin(b)
    await h.node.gc()
    await assertWhole('re-pin', new Map([[a, aBlocks]]))
    await h.unpin(a)
    await assertUnprotected('re-pin, all unpinned', [...aBlocks, ...bBlocks])
  }

  for (const { name, walker } of WALKERS) {
    it(`behavior: helia.pins (${name}): a direct pin protects its root only, and other pins stay whole after gc`, async () => {
      await directPin(viaHelia(walker()), `direct-${name}`)
      await reset()
    })

    it(`behavior: helia.pins (${name}): unpinning a DAG that links a block several times leaves a DAG sharing it whole after gc`, async () => {
      await repeatedBlocks(viaHelia(walker()))
      await reset()
    })

    it(`behavior: helia.pins (${name}): pin A, pin B sharing blocks, unpin A, re-pin A, unpin B: A stays whole after gc`, async () => {
      await repinAfterUnpin(viaHelia(walker()), `repin-${name}`)
      await reset()
    })
  }

  it('behavior: Kubo API: a direct pin protects its root only, and other pins stay whole after gc', async () => {
    await directPin(viaApi(), 'api-direct')
    await reset()
  })

  it('behavior: Kubo API: unpinning a DAG that links a block several times leaves a DAG sharing it whole after gc', async () => {
    await repeatedBlocks(viaApi())
    await reset()
  })

  it('behavior: Kubo API: pin A, pin B sharing blocks, unpin A, re-pin A, unpin B: A stays whole after gc', async () => {
    await repinAfterUnpin(viaApi(), 'api-repin')
    await reset()
  })

  it('behavior: Kubo API: adds that share blocks, then pin rm / pin add / pin rm: the remaining pin stays whole after gc', async () => {
    const data = contents('api-adds')
    const { cid: a } = await api.client.add(data.a) // pinned by add
    const { cid: b } = await api.client.add(data.b)
    const aBlocks = await blocksOf(a)
    await api.client.pin.rm(a)
    await api.client.pin.add(a)
    await api.client.pin.rm(b)
    await node.gc()
    await assertWhole('api adds', new Map([[a, aBlocks]]))
    await reset()
  })
})
