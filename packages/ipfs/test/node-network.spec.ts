import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createIpfsNode, type DefaultIpfsNode, IpfsNodeError, IpfsNodeErrorCode, kuboAddOptions, toFetchError } from '../src/index.js'
import { bytes, collect, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** A CID nobody has: the hash of fresh random-looking bytes. */
async function unknownCid(label: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`nobody stores this: ${label} ${Math.random()}`)))
}

describe('node: two nodes on loopback exchange blocks over bitswap', () => {
  const dir = tempDir('net')
  let a: DefaultIpfsNode
  let b: DefaultIpfsNode

  before(async () => {
    a = await createIpfsNode({ repoPath: path.join(dir.path, 'a'), swarm: LOOPBACK, fetchTimeoutMs: 10_000 })
    b = await createIpfsNode({ repoPath: path.join(dir.path, 'b'), swarm: LOOPBACK, fetchTimeoutMs: 1_000 })
  })

  after(async () => {
    await b.stop()
    await a.stop()
    dir.remove()
  })

  it('behavior: B fetches what A added, byte for byte, and scores A a success', async () => {
    const content = await collect(deterministicBytes(1500 * KiB, 'network-file', 64 * KiB))
    const cid = await a.fs.addBytes(content, kuboAddOptions())
    const addr = a.libp2p.getMultiaddrs()[0]!
    assert.ok(addr.toString().startsWith('/ip4/127.0.0.1/tcp/'))
    await b.libp2p.dial(addr)

    const fetched = await collect(b.fs.cat(cid))
    assert.deepEqual(fetched, bytes(content))
    // B now stores every block itself
    assert.equal(await b.helia.blockstore.has(cid), true)

    const peerA = a.libp2p.peerId.toString()
    const score = b.retrieval.get(peerA)
    assert.ok(score !== undefined, 'A has a retrieval record on B')
    assert.ok(score.successes >= 7, `successes ${score.successes}`) // 6 leaves + the root at least
    assert.equal(score.failures, 0)
    assert.ok(score.bytes >= content.length)
    assert.ok(score.meanLatencyMs >= 0)
    assert.ok(score.score > 0 && score.score <= 1)

    const stat = await b.bitswapStat()
    assert.ok(stat.peers.includes(peerA))
    assert.ok(stat.blocksReceived >= 7)
    assert.ok(stat.dataReceived >= content.length)
    assert.equal(stat.retrieval[0]?.peerId, peerA)
  })

  it('behavior: a peer that was asked and did not deliver before the timeout scores a failure', async () => {
    const peerA = a.libp2p.peerId.toString()
    const before = b.retrieval.get(peerA)?.failures ?? 0
    const missing = await unknownCid('asked A')
    await assert.rejects(collect(b.fs.cat(missing)), (err: IpfsNodeError) => {
      assert.equal(err.code, IpfsNodeErrorCode.NOT_FOUND)
      return true
    })
    assert.equal(b.retrieval.get(peerA)?.failures, before + 1)
    assert.deepEqual((await b.bitswapStat()).wantlist, [], 'the want is withdrawn after the timeout')
  })
})

describe('node: fetch of an unknown CID with no peers', () => {
  const dir = tempDir('lonely')
  let node: DefaultIpfsNode
  const fetchTimeoutMs = 400

  before(async () => {
    node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: LOOPBACK, fetchTimeoutMs })
  })

  after(async () => {
    await node.stop()
    dir.remove()
  })

  it('error: fs.cat fails with IPFS_ERROR_NOT_FOUND after fetchTimeoutMs instead of hanging', async () => {
    const cid = await unknownCid('cat')
    await assert.rejects(collect(node.fs.cat(cid)), (err: IpfsNodeError) => {
      assert.ok(err instanceof IpfsNodeError)
      assert.equal(err.code, IpfsNodeErrorCode.NOT_FOUND)
      assert.deepEqual(err.meta, { cid: cid.toString(), reason: 'timeout', timeoutMs: fetchTimeoutMs })
      return true
    })
  })

  it('error: a block read through helia.blockstore fails the same way (normalised by toFetchError)', async () => {
    const cid = await unknownCid('block get')
    await assert.rejects(collect(node.helia.blockstore.get(cid)), (err: unknown) => {
      const mapped = toFetchError(err, cid)
      assert.ok(mapped instanceof IpfsNodeError)
      assert.equal(mapped.code, IpfsNodeErrorCode.NOT_FOUND)
      return true
    })
  })

  it('error: an offline read of a missing block is NOT_FOUND with reason offline', async () => {
    const cid = await unknownCid('offline')
    await assert.rejects(collect(node.fs.cat(cid, { offline: true })), (err: IpfsNodeError) => {
      assert.equal(err.code, IpfsNodeErrorCode.NOT_FOUND)
      assert.equal(err.type.code === IpfsNodeErrorCode.NOT_FOUND && err.type.reason, 'offline')
      return true
    })
  })

  it('behavior: a caller that cancels gets its own abort error, not NOT_FOUND', async () => {
    const cid = await unknownCid('abort')
    const controller = new AbortController()
    const reading = collect(node.fs.cat(cid, { signal: controller.signal }))
    controller.abort(new Error('caller gave up'))
    await assert.rejects(reading, (err: Error) => !(err instanceof IpfsNodeError))
  })
})

describe('node: DHT and bootstrap', () => {
  it('behavior: a node with the DHT on dials its bootstrap peer at start and fetches from it', async () => {
    const dir = tempDir('dht')
    const dht = { clientMode: false, allowPrivateAddresses: true }
    const a = await createIpfsNode({ repoPath: path.join(dir.path, 'a'), swarm: LOOPBACK, dht })
    try {
      const cid = await a.fs.addBytes(new TextEncoder().encode('found through bootstrap\n'), kuboAddOptions())
      const bootstrap = a.libp2p.getMultiaddrs().map(String)
      const b = await createIpfsNode({ repoPath: path.join(dir.path, 'b'), swarm: LOOPBACK, dht, bootstrap, fetchTimeoutMs: 10_000 })
      try {
        assert.ok('dht' in b.libp2p.services)
        assert.deepEqual(await collect(b.fs.cat(cid)), bytes(new TextEncoder().encode('found through bootstrap\n')))
        assert.ok(b.libp2p.getPeers().some((p) => p.equals(a.libp2p.peerId)))
      } finally {
        await b.stop()
      }
    } finally {
      await a.stop()
      dir.remove()
    }
  })
})
