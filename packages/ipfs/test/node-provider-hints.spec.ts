/** Provider hints: a node dials the holders that something outside IPFS (the chain) names, with no other link to them. */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, hintRouter, kuboAddOptions, MAX_HINTED_PROVIDERS, type ProviderHints, SCORES_FILE } from '../src/index.js'
import { bytes, collect, deterministicBytes, tempDir } from './fixtures/content.js'

const KiB = 1024
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

describe('node: provider hints', () => {
  const dir = tempDir('hints')
  let holder: DefaultIpfsNode
  let fetcher: DefaultIpfsNode
  let rootCid: CID
  const asked: string[] = []
  const hinted = new Map<string, { peerId: string; multiaddrs: string[] }[]>()

  before(async () => {
    holder = await createIpfsNode({ repoPath: path.join(dir.path, 'holder'), swarm: LOOPBACK })
    const hints: ProviderHints = {
      async providersOf(cid) {
        asked.push(cid.toString())
        return hinted.get(cid.toString()) ?? []
      },
    }
    fetcher = await createIpfsNode({ repoPath: path.join(dir.path, 'fetcher'), swarm: LOOPBACK, fetchTimeoutMs: 20_000, providerHints: hints })
  })

  after(async () => {
    await fetcher.stop()
    await holder.stop()
    dir.remove()
  })

  it('behavior: a node with no connection to the holder fetches a whole DAG from the peer the hints name for its root', async () => {
    const content = await collect(deterministicBytes(1200 * KiB, 'hinted-file', 64 * KiB))
    rootCid = await holder.fs.addBytes(content, kuboAddOptions())
    assert.equal(fetcher.libp2p.getPeers().length, 0, 'the fetcher starts with no peers')
    // A holder that is down, a peer id that does not parse and an address list that does not either
    // come first: the dead one is dialled in vain, the others skipped, and the live holder still serves.
    const dead = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    hinted.set(rootCid.toString(), [
      { peerId: dead, multiaddrs: ['/ip4/127.0.0.1/tcp/1'] },
      { peerId: 'not-a-peer-id', multiaddrs: ['/ip4/127.0.0.1/tcp/1'] },
      { peerId: holder.libp2p.peerId.toString(), multiaddrs: ['not a multiaddr'] },
      { peerId: holder.libp2p.peerId.toString(), multiaddrs: holder.libp2p.getMultiaddrs().map(String) },
    ])
    const fetched = await collect(fetcher.fs.cat(rootCid))
    assert.deepEqual(fetched, bytes(content))
    assert.ok(asked.includes(rootCid.toString()), 'the hints were asked for the root')
    assert.ok(
      fetcher.libp2p.getPeers().some((p) => p.equals(holder.libp2p.peerId)),
      'the fetcher dialled the hinted holder',
    )
    assert.ok((fetcher.retrieval.get(holder.libp2p.peerId.toString())?.successes ?? 0) >= 2, 'blocks came from the holder')
    // The dead holder, named by the hints and unreachable, counts double failures.
    assert.ok((fetcher.retrieval.get(dead)?.failures ?? 0) >= 2, 'the unreachable named holder scored failures')
  })

  it("behavior: retrieval scores and the holder's time per block survive restarts (one without hints between); a damaged scores file starts the node with none", async () => {
    const holderId = holder.libp2p.peerId.toString()
    const before = fetcher.retrieval.get(holderId)
    assert.ok(before !== undefined && before.successes >= 2)
    const timed = fetcher.holderMsPerBlock(holderId)
    assert.ok(timed !== undefined && timed >= 0, 'the holder split timed the holder')
    const repoPath = path.join(dir.path, 'fetcher')
    const noHints: ProviderHints = { providersOf: async () => [] }
    await fetcher.stop()
    // A run without provider hints has no split to use the times: it must keep them for the next.
    fetcher = await createIpfsNode({ repoPath, swarm: LOOPBACK })
    assert.deepEqual(fetcher.retrieval.get(holderId), before)
    assert.equal(fetcher.holderMsPerBlock(holderId), undefined)
    await fetcher.stop()
    fetcher = await createIpfsNode({ repoPath, swarm: LOOPBACK, providerHints: noHints })
    assert.deepEqual(fetcher.retrieval.get(holderId), before)
    assert.equal(fetcher.holderMsPerBlock(holderId), timed)
    await fetcher.stop()
    writeFileSync(path.join(repoPath, SCORES_FILE), '{"peers": [["x", {"successes": "many"}]')
    fetcher = await createIpfsNode({ repoPath, swarm: LOOPBACK, providerHints: noHints })
    assert.deepEqual(fetcher.retrieval.list(), [])
    assert.equal(fetcher.holderMsPerBlock(holderId), undefined)
  })

  it('behavior: the router dials at most MAX_HINTED_PROVIDERS peers per CID best-ranked first, yields none it cannot reach, and none when the hints fail', async () => {
    // Hinted peers that cannot be reached (nothing listens on port 1): each is named, in rank order, and none yielded.
    const ids = await Promise.all(
      Array.from({ length: MAX_HINTED_PROVIDERS + 3 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()),
    )
    const named: string[] = []
    const unreachable: string[] = []
    const rankOf = (p: string) => ids.indexOf(p) / 100
    const router = hintRouter(
      fetcher.libp2p,
      { providersOf: async () => ids.map((peerId) => ({ peerId, multiaddrs: ['/ip4/127.0.0.1/tcp/1'] })) },
      { rank: rankOf, onNamed: (p) => named.push(p), onUnreachable: (p) => unreachable.push(p) },
    )
    const yielded = []
    for await (const p of router.findProviders!(rootCid)) yielded.push(p)
    assert.equal(yielded.length, 0)
    const best = [...ids].reverse().slice(0, MAX_HINTED_PROVIDERS)
    assert.deepEqual(named, best, 'at most MAX_HINTED_PROVIDERS are named, best-ranked first')
    assert.deepEqual([...unreachable].sort(), [...best].sort())
    const failing = hintRouter(fetcher.libp2p, {
      providersOf: async () => {
        throw new Error('chain unreachable')
      },
    })
    const none = []
    for await (const p of failing.findProviders!(rootCid)) none.push(p)
    assert.equal(none.length, 0)
  })
})
