/**
 * A holder lost mid-transfer: the fetcher, told of two holders by its hints, is reading a file when
 * one of them stops. The read goes on from the other and the bytes come back whole.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, kuboAddOptions, type ProviderHints } from '../src/index.js'
import { bytes, collect, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

describe('node: a holder lost mid-transfer', () => {
  const dir = tempDir('holder-loss')
  let first: DefaultIpfsNode
  let second: DefaultIpfsNode
  let fetcher: DefaultIpfsNode
  let root: CID
  let content: Buffer

  before(async () => {
    first = await createIpfsNode({ repoPath: path.join(dir.path, 'first'), swarm: LOOPBACK })
    second = await createIpfsNode({ repoPath: path.join(dir.path, 'second'), swarm: LOOPBACK })
    content = await collect(deterministicBytes(4096 * KiB, 'holder-loss', 64 * KiB))
    root = await first.fs.addBytes(content, kuboAddOptions({ chunkSize: 16 * KiB }))
    assert.equal((await second.fs.addBytes(content, kuboAddOptions({ chunkSize: 16 * KiB }))).toString(), root.toString())
    const holders = [first, second].map((n) => ({ peerId: n.libp2p.peerId.toString(), multiaddrs: n.libp2p.getMultiaddrs().map(String) }))
    const hints: ProviderHints = { providersOf: async () => holders }
    fetcher = await createIpfsNode({ repoPath: path.join(dir.path, 'fetcher'), swarm: LOOPBACK, fetchTimeoutMs: 20_000, providerHints: hints })
  })

  after(async () => {
    await fetcher.stop()
    await second.stop()
    await first.stop().catch(() => {})
    dir.remove()
  })

  it('behavior: with one of two hinted holders stopped after the first chunks, the file still comes back whole', async () => {
    const served = (n: DefaultIpfsNode) => fetcher.retrieval.get(n.libp2p.peerId.toString())?.successes ?? 0
    const chunks: Uint8Array[] = []
    let stopped = false
    for await (const chunk of fetcher.fs.cat(root)) {
      chunks.push(chunk)
      // Stop whichever holder has served more, once a quarter of the file is in.
      if (!stopped && chunks.reduce((n, c) => n + c.byteLength, 0) >= content.length / 4) {
        stopped = true
        await (served(first) >= served(second) ? first : second).stop()
      }
    }
    assert.ok(stopped, 'a holder was stopped mid-transfer')
    assert.deepEqual(bytes(Buffer.concat(chunks)), bytes(content))
    assert.ok(fetcher.libp2p.getPeers().length >= 1)
    assert.ok(served(first) + served(second) > content.length / (16 * KiB), 'every block came from one of the two holders')
  })
})
