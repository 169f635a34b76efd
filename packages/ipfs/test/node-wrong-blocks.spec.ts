/**
 * A holder that serves corrupted blocks: bitswap names a received block by the hash of its bytes, so
 * a corrupted block arrives as one nobody asked for. The fetcher counts it against its sender, ranks
 * it down, and once it is shunned hangs up on it and dials it no more as a hinted holder, while the
 * file still comes whole from an honest holder.
 */
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, kuboAddOptions, type ProviderHints, WRONG_BLOCK_FAILURE_WEIGHT, WRONG_BLOCKS_TO_SHUN } from '../src/index.js'
import { bytes, collect, dagBlocks, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** Overwrites a stored block's bytes in the node's database, as a bad disk would (the block store itself never overwrites). */
const damage = (node: DefaultIpfsNode, cid: CID, bytes: Uint8Array) =>
  (node as unknown as { repo: { blocks: { put(key: Uint8Array, value: Uint8Array): Promise<unknown> } } }).repo.blocks.put(cid.multihash.bytes, bytes)

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('node: a holder serving corrupted blocks', () => {
  const dir = tempDir('wrong-blocks')
  let honest: DefaultIpfsNode
  let liar: DefaultIpfsNode
  let fetcher: DefaultIpfsNode
  const hinted = new Map<string, { peerId: string; multiaddrs: string[] }[]>()
  const files: Array<{ root: CID; content: Buffer }> = []

  before(async () => {
    honest = await createIpfsNode({ repoPath: path.join(dir.path, 'honest'), swarm: LOOPBACK })
    liar = await createIpfsNode({ repoPath: path.join(dir.path, 'liar'), swarm: LOOPBACK })
    const hints: ProviderHints = { providersOf: async (cid) => hinted.get(cid.toString()) ?? [] }
    fetcher = await createIpfsNode({ repoPath: path.join(dir.path, 'fetcher'), swarm: LOOPBACK, fetchTimeoutMs: 20_000, providerHints: hints })
    // Both hold the same files; every block the liar stores is then damaged (its first byte flipped).
    for (let i = 0; i < WRONG_BLOCKS_TO_SHUN + 1; i++) {
      const content = await collect(deterministicBytes(96 * KiB, `wrong-blocks-${i}`, 16 * KiB))
      const root = await honest.fs.addBytes(content, kuboAddOptions({ chunkSize: 16 * KiB }))
      assert.equal((await liar.fs.addBytes(content, kuboAddOptions({ chunkSize: 16 * KiB }))).toString(), root.toString())
      for (const cid of await dagBlocks(liar.helia.blockstore, root)) {
        const damaged = new Uint8Array(await collect(liar.helia.blockstore.get(cid, { offline: true })))
        damaged[0]! ^= 0xff
        await damage(liar, cid, damaged)
      }
      files.push({ root, content })
    }
  })

  after(async () => {
    await fetcher.stop()
    await liar.stop()
    await honest.stop()
    dir.remove()
  })

  const liarId = () => liar.libp2p.peerId.toString()
  const connectedToLiar = () => fetcher.libp2p.getPeers().some((p) => p.equals(liar.libp2p.peerId))

  it('behavior: each corrupted block counts against its sender as a wrong block; enough of them and the fetcher hangs up on it', async () => {
    await fetcher.libp2p.dial(liar.libp2p.getMultiaddrs()[0]!)
    for (let i = 0; i < WRONG_BLOCKS_TO_SHUN; i++) {
      const before = fetcher.retrieval.get(liarId())?.wrongBlocks ?? 0
      const abort = new AbortController()
      const fetching = collect(fetcher.helia.blockstore.get(files[i]!.root, { signal: abort.signal })).catch(() => undefined)
      await waitFor(() => (fetcher.retrieval.get(liarId())?.wrongBlocks ?? 0) > before, `wrong block ${i + 1} from the liar`)
      abort.abort()
      assert.equal(await fetching, undefined, 'nothing wrong was accepted as the block')
    }
    const score = fetcher.retrieval.get(liarId())!
    assert.equal(score.wrongBlocks, WRONG_BLOCKS_TO_SHUN)
    assert.equal(score.successes, 0)
    assert.ok(score.failures >= WRONG_BLOCKS_TO_SHUN * WRONG_BLOCK_FAILURE_WEIGHT, 'each wrong block weighs as several failures')
    assert.ok(fetcher.retrieval.isShunned(liarId()))
    await waitFor(() => !connectedToLiar(), 'the fetcher to hang up on the liar')
  })

  it('behavior: hinted with both holders, the fetcher does not dial the shunned one and gets the file whole from the honest one', async () => {
    const { root, content } = files[WRONG_BLOCKS_TO_SHUN]!
    hinted.set(root.toString(), [
      { peerId: liarId(), multiaddrs: liar.libp2p.getMultiaddrs().map(String) },
      { peerId: honest.libp2p.peerId.toString(), multiaddrs: honest.libp2p.getMultiaddrs().map(String) },
    ])
    const wrongBefore = fetcher.retrieval.get(liarId())!.wrongBlocks
    assert.deepEqual(await collect(fetcher.fs.cat(root)), bytes(content))
    assert.equal(connectedToLiar(), false, 'the shunned liar was not dialled')
    assert.equal(fetcher.retrieval.get(liarId())!.wrongBlocks, wrongBefore)
    assert.ok((fetcher.retrieval.get(honest.libp2p.peerId.toString())?.successes ?? 0) >= 2, 'the honest holder served the blocks')
    assert.ok(fetcher.retrieval.scoreOf(honest.libp2p.peerId.toString()) > fetcher.retrieval.scoreOf(liarId()))
  })

  it('behavior: the wrong-block count survives a restart', async () => {
    const before = fetcher.retrieval.get(liarId())
    await fetcher.stop()
    fetcher = await createIpfsNode({ repoPath: path.join(dir.path, 'fetcher'), swarm: LOOPBACK })
    assert.equal(fetcher.retrieval.get(liarId())?.wrongBlocks, before?.wrongBlocks)
    assert.ok(fetcher.retrieval.isShunned(liarId()))
  })
})
