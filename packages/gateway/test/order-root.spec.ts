/**
 * The pinning service's orders carry the DAG's content root (issue #18): on a real in-process IPFS
 * node, the root the order engine computes for a DAG is the one the sdk computes for `crust upload`
 * of the same file, the engine signs `market.placeStorageOrderWithRoot` with it (a fake api at the
 * signing seam records the call), and DAGs a root cannot cover are ordered without one.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { addToIpfs } from '@crust-ts/sdk'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { orderContentRoot } from '../src/orders/index.js'
import { OrderSubmitter } from '../src/orders/submission.js'
import { pseudoRandomChunks, startTestIpfs, type TestIpfs } from './fixtures/ipfs.js'

const KiB = 1024

async function bytesOf(chunks: AsyncGenerator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return new Uint8Array(Buffer.concat(parts))
}

describe('order engine: content root', () => {
  let ipfs: TestIpfs
  let dir: string

  before(async () => {
    ipfs = await startTestIpfs()
    dir = mkdtempSync(join(tmpdir(), 'crust-gw-root-'))
  })
  after(async () => {
    await ipfs?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Adds `bytes` as a file with the sdk (as `crust upload` does): its CID, cumulative size and content root. */
  const upload = async (name: string, bytes: Uint8Array) => {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    const added = await addToIpfs(path, { ipfsApi: ipfs.api })
    assert.ok(added.contentRoot !== undefined)
    return added as typeof added & { contentRoot: NonNullable<typeof added.contentRoot> }
  }

  it("behavior: the engine's root equals the sdk's for a multi-block file and for a DAG that links one block three times", async () => {
    // 700 KiB of distinct bytes: three chunks under a dag-pb root.
    const distinct = await upload('distinct.bin', await bytesOf(pseudoRandomChunks(7, 100 * KiB, 18)))
    // Three identical 256 KiB chunks: the root links the same block three times, and the content counts it three times.
    const chunk = await bytesOf(pseudoRandomChunks(1, 256 * KiB, 19))
    const repeated = await upload('repeated.bin', new Uint8Array(Buffer.concat([chunk, chunk, chunk])))
    for (const added of [distinct, repeated]) {
      const root = await orderContentRoot({ ipfsApi: ipfs.api, cid: added.cid, size: added.cumulativeSize })
      assert.deepEqual(root, added.contentRoot, `the root of ${added.name}`)
      assert.match(root!.root, /^0x[0-9a-f]{64}$/)
      assert.equal(root!.size, added.cumulativeSize, 'the content is the DAG read as a tree: the size ordered')
    }
    assert.ok(repeated.cumulativeSize > 3 * 256 * KiB, 'the repeated block is counted each time it is linked')
    assert.notEqual(distinct.contentRoot.root, repeated.contentRoot.root)
  })

  it("behavior: no root for a content of another size than the order, or a DAG with a dag-cbor block (the chain takes its holders' root then)", async () => {
    const added = await upload('small.bin', await bytesOf(pseudoRandomChunks(1, 3 * KiB, 20)))
    assert.equal(await orderContentRoot({ ipfsApi: ipfs.api, cid: added.cid, size: added.cumulativeSize + 1 }), undefined)

    const put = async (bytes: Uint8Array, codec: string) => {
      const form = new FormData()
      form.append('file', new Blob([bytes]))
      const res = await fetch(`${ipfs.api}/api/v0/block/put?cid-codec=${codec}`, { method: 'POST', body: form })
      assert.equal(res.status, 200, await res.clone().text())
      return ((await res.json()) as { Key: string }).Key
    }
    const cbor = dagCbor.encode({ hello: 'world' })
    const cborCid = await put(cbor, 'dag-cbor')
    const parent = dagPb.encode(dagPb.prepare({ Data: Uint8Array.of(8, 1), Links: [{ Hash: CID.parse(cborCid), Tsize: cbor.length }] }))
    const parentCid = await put(parent, 'dag-pb')
    assert.equal(await orderContentRoot({ ipfsApi: ipfs.api, cid: parentCid, size: parent.length + cbor.length }), undefined)
  })

  it('error: an IPFS API that does not answer rejects (the engine retries the order later)', async () => {
    // A loopback port nobody listens on any more.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await assert.rejects(
      orderContentRoot({ ipfsApi: `http://127.0.0.1:${port}`, cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', size: 10 }),
    )
  })

  it('behavior: signOrder signs placeStorageOrderWithRoot(cid, size, tip, "", root) with a root, placeStorageOrder without', async () => {
    const calls: Array<{ method: string; args: unknown[] }> = []
    const extrinsic = (method: string, args: unknown[]) => {
      calls.push({ method, args })
      return { signAsync: async () => {}, toHex: () => `0x${method}`, hash: { toHex: () => '0x00' } }
    }
    const api = {
      tx: {
        market: {
          placeStorageOrder: (...args: unknown[]) => extrinsic('placeStorageOrder', args),
          placeStorageOrderWithRoot: (...args: unknown[]) => extrinsic('placeStorageOrderWithRoot', args),
        },
      },
    } as unknown as ApiPromise
    const submitter = new OrderSubmitter(api, { address: '5Fake' } as unknown as KeyringPair)
    const added = await upload('signed.bin', await bytesOf(pseudoRandomChunks(3, 100 * KiB, 21)))
    const root = await orderContentRoot({ ipfsApi: ipfs.api, cid: added.cid, size: added.cumulativeSize })
    await submitter.signOrder(added.cid, added.cumulativeSize, 5n, root)
    await submitter.signOrder(added.cid, added.cumulativeSize, 5n)
    assert.deepEqual(calls, [
      { method: 'placeStorageOrderWithRoot', args: [added.cid, added.cumulativeSize, 5n, '', added.contentRoot] },
      { method: 'placeStorageOrder', args: [added.cid, added.cumulativeSize, 5n, ''] },
    ])
  })
})
