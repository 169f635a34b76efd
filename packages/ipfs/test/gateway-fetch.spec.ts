import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHelia } from 'helia'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { IpfsNode } from '../src/interface.js'
import { pseudoRandomBytes, type RunningGateway, rawRequest, startGateway } from './fixtures/gateway-fixture.js'

/** A CID of bytes that no node has (a raw block, or a DAG-PB node, which can have paths). */
async function unknownCid(codec: number = raw.code): Promise<CID> {
  return CID.createV1(codec, await sha256.digest(new TextEncoder().encode(`nobody has this ${Math.random()}`)))
}

/** A Helia node on loopback TCP with bitswap and nothing else (no discovery, no public routing). */
async function loopbackNode() {
  const blockstore = new MemoryBlockstore()
  const helia = await createHelia({
    blockstore,
    datastore: new MemoryDatastore(),
    // No public routers or gateways: blocks come from connected peers only.
    http: { delegatedRouters: [], recursiveGateways: [] },
    libp2p: {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() },
    },
  })
  await helia.start()
  const node: IpfsNode = {
    helia,
    fs: unixfs(helia),
    fetchTimeoutMs: 10_000,
    get libp2p() {
      return helia.libp2p
    },
    retrieval: { record: () => {}, list: () => [] },
    repoStat: () => Promise.reject(new Error('not used')),
    gc: () => Promise.reject(new Error('not used')),
    withPinLock: (fn) => fn(),
    writeBehind: (fn) => fn(),
    bitswapStat: () => Promise.reject(new Error('not used')),
    start: async () => {
      await helia.start()
    },
    stop: async () => {
      await helia.stop()
    },
  }
  return { node, helia, blockstore }
}

describe('gateway: fetching blocks it does not have', () => {
  let node: IpfsNode
  let blockstore: MemoryBlockstore
  let gw: RunningGateway
  let known: CID

  before(async () => {
    // The node asks for missing blocks over bitswap; with no peer connected nobody answers.
    ;({ node, blockstore } = await loopbackNode())
    known = await node.fs.addBytes(new TextEncoder().encode('cached\n'))
    gw = await startGateway({ ...node, fetchTimeoutMs: 300 })
  })

  after(async () => {
    await gw.gateway.stop()
    await node.stop()
  })

  it('error: an unknown CID answers 504 with Retry-After once the fetch timeout expires', async () => {
    for (const suffix of ['', '?format=raw', '?format=car', '/some/path']) {
      const cid = await unknownCid(suffix === '/some/path' ? dagPb.code : raw.code)
      const res = await fetch(`${gw.base}/ipfs/${cid}${suffix}`)
      assert.equal(res.status, 504, suffix)
      assert.ok(res.headers.get('retry-after') !== null)
      assert.match(await res.text(), new RegExp(`block ${cid} was not retrieved within 300 ms`))
    }
    // The gateway keeps serving.
    const ok = await fetch(`${gw.base}/ipfs/${known}`)
    assert.equal(await ok.text(), 'cached\n')
  })

  it('error: a block missing in the middle of a file cuts the response after 200 instead of completing it', async () => {
    const bytes = pseudoRandomBytes(64 * 1024, 'holes')
    const cid = await node.fs.addBytes(bytes, { chunker: fixedSize({ chunkSize: 1024 }) })
    const root: Uint8Array[] = []
    for await (const chunk of node.helia.blockstore.get(cid)) root.push(chunk)
    const leaves = dagPb.decode(Uint8Array.from(Buffer.concat(root))).Links
    await blockstore.delete(leaves[40]!.Hash)
    for (const suffix of ['', '?format=car']) {
      const res = await fetch(`${gw.base}/ipfs/${cid}${suffix}`)
      assert.equal(res.status, 200, suffix)
      await assert.rejects(res.arrayBuffer(), suffix)
    }
    const first = await fetch(`${gw.base}/ipfs/${cid}`, { headers: { Range: 'bytes=0-1023' } })
    assert.deepEqual(new Uint8Array(await first.arrayBuffer()), bytes.subarray(0, 1024), 'blocks before the hole are served')
  })

  it('behavior: stop() aborts requests still waiting for blocks and closes the port', async () => {
    const cid = await unknownCid()
    let waiting!: () => void
    const requested = new Promise<void>((resolve) => {
      waiting = resolve
    })
    const blocks = node.helia.blockstore
    const watched = {
      has: blocks.has.bind(blocks),
      get: (c: CID, options?: Parameters<typeof blocks.get>[1]) => {
        if (c.equals(cid)) waiting()
        return blocks.get(c, options)
      },
    }
    // Only `helia.blockstore` is used by the gateway.
    const slow = { ...node, fetchTimeoutMs: 600_000, helia: { blockstore: watched } as unknown as IpfsNode['helia'] }
    const { gateway, base } = await startGateway(slow)
    const pending = fetch(`${base}/ipfs/${cid}`).then(
      (res) => res.status,
      () => 'connection closed',
    )
    await requested
    await gateway.stop()
    assert.equal(await pending, 'connection closed')
    await assert.rejects(fetch(`${base}/ipfs/${known}`))
  })

  it('behavior: Cache-Control: only-if-cached answers 412 for missing blocks, without waiting', async () => {
    const missing = await rawRequest(gw.port, `/ipfs/${await unknownCid()}`, { method: 'HEAD', headers: { 'Cache-Control': 'only-if-cached' } })
    assert.equal(missing.status, 412)
    const cached = await rawRequest(gw.port, `/ipfs/${known}`, { method: 'HEAD', headers: { 'Cache-Control': 'only-if-cached' } })
    assert.equal(cached.status, 200)
  })
})

describe('gateway: fetching over bitswap from a connected peer', () => {
  it('behavior: a file another node holds is served (deserialized and as CAR) once fetched', async () => {
    const holder = await loopbackNode()
    const server = await loopbackNode()
    let gw: RunningGateway | undefined
    try {
      const bytes = pseudoRandomBytes(1024 * 1024 + 5, 'bitswap')
      const cid = await holder.node.fs.addBytes(bytes, { chunker: fixedSize({ chunkSize: 64 * 1024 }) })
      await server.helia.libp2p.dial(holder.helia.libp2p.getMultiaddrs())
      assert.equal(await server.helia.blockstore.has(cid), false)
      gw = await startGateway(server.node)

      const res = await fetch(`${gw.base}/ipfs/${cid}`)
      assert.equal(res.status, 200)
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
      assert.equal(await server.helia.blockstore.has(cid), true)

      const car = await fetch(`${gw.base}/ipfs/${cid}?format=car`)
      assert.equal(car.status, 200)
      assert.ok((await car.arrayBuffer()).byteLength > bytes.length)
    } finally {
      await gw?.gateway.stop()
      await server.node.stop()
      await holder.node.stop()
    }
  })
})
