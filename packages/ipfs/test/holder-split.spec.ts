/** The holder split on its own, with bitswap's one-peer want replaced by a fake at that seam. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { HolderSplit, type PeerAnswer, type WantFromPeer } from '../src/node/holder-split.js'
import { DefaultRetrievalScores } from '../src/node/retrieval-scores.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const cidOf = async (i: number): Promise<CID> => CID.create(1, raw.code, await sha256.digest(new Uint8Array([i, i >> 8])))
const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

/** A want that each peer answers as `behave` says, counting the wants each got and the most outstanding at once. */
function fakeWant(behave: (peer: string) => 'serve' | 'dont-have' | 'hang') {
  const asked = new Map<string, number>()
  const outstanding = new Map<string, number>()
  const peak = new Map<string, number>()
  const want: WantFromPeer = async (cid, peer, { signal }): Promise<PeerAnswer> => {
    const key = peer.toString()
    asked.set(key, (asked.get(key) ?? 0) + 1)
    outstanding.set(key, (outstanding.get(key) ?? 0) + 1)
    peak.set(key, Math.max(peak.get(key) ?? 0, outstanding.get(key)!))
    try {
      const how = behave(key)
      if (how === 'hang') return await never(signal)
      await new Promise((resolve) => setImmediate(resolve))
      return how === 'serve' ? { has: true, block: cid.bytes } : { has: false }
    } finally {
      outstanding.set(key, outstanding.get(key)! - 1)
    }
  }
  return { want, asked, peak }
}

describe('holder split', () => {
  it('behavior: below the bound blocks are spread over the holders by their scores, and never more than the bound is outstanding at one', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const fake = fakeWant(() => 'serve')
    const scores = new Map([
      [a.toString(), 0.75],
      [b.toString(), 0.25],
    ])
    // A clock that stands still: both holders take no time per block, so the scores alone decide.
    const split = new HolderSplit(fake.want, { score: (p) => scores.get(p)!, maxWantsPerHolder: 8, now: () => 0 })
    split.add(a)
    split.add(b)
    // Four blocks at a time: below the bound, the split follows the scores (3 to one, 1 to the other).
    const got: Array<{ sender: string } | undefined> = []
    for (let batch = 0; batch < 50; batch++) {
      got.push(...(await Promise.all(Array.from({ length: 4 }, async (_, i) => split.retrieve(await cidOf(batch * 4 + i), AbortSignal.timeout(10_000))))))
    }
    assert.ok(got.every((g) => g !== undefined))
    const fromA = got.filter((g) => g!.sender === a.toString()).length
    assert.ok(fromA > 120 && fromA < 180, `the holder scored 3x higher served ${fromA} of 200`)
    // 200 at once: each holder is held to its bound, the rest wait for a free slot.
    const all = await Promise.all(Array.from({ length: 200 }, async (_, i) => split.retrieve(await cidOf(1000 + i), AbortSignal.timeout(10_000))))
    assert.ok(all.every((g) => g !== undefined))
    assert.ok(fake.peak.get(a.toString())! <= 8 && fake.peak.get(b.toString())! <= 8, 'at most 8 wants outstanding at a holder')
    assert.equal(fake.asked.get(a.toString())! + fake.asked.get(b.toString())!, 400, 'each block asked of one holder')
  })

  it('behavior: the wants of a holder that stalls go to the other, and the stalled one leaves the set and is reported', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const fake = fakeWant((p) => (p === a.toString() ? 'hang' : 'serve'))
    const missed: string[] = []
    const split = new HolderSplit(fake.want, { score: () => 0.5, stallMs: 100, onMiss: (p, why) => missed.push(`${p}:${why}`) })
    split.add(a)
    split.add(b)
    const got = await Promise.all(Array.from({ length: 20 }, async (_, i) => split.retrieve(await cidOf(i), AbortSignal.timeout(10_000))))
    assert.ok(
      got.every((g) => g?.sender === b.toString()),
      'every block came from the live holder',
    )
    assert.deepEqual(split.peers(), [b.toString()])
    assert.ok(missed.includes(`${a.toString()}:stalled`))
  })

  it('behavior: a holder that leaves hands its outstanding wants on at once, and with none left to ask the fetch falls back (undefined)', async () => {
    const [a, b] = [await newPeer(), await newPeer()]
    const fake = fakeWant((p) => (p === a.toString() ? 'hang' : 'dont-have'))
    const split = new HolderSplit(fake.want, { score: () => 0.5, stallMs: 60_000 })
    split.add(a)
    split.add(b)
    const pending = Promise.all(Array.from({ length: 4 }, async (_, i) => split.retrieve(await cidOf(i), AbortSignal.timeout(10_000))))
    setTimeout(() => split.remove(a.toString()), 20)
    assert.deepEqual(await pending, [undefined, undefined, undefined, undefined])
    assert.deepEqual(split.peers(), [], 'the holder that said it has none left the set too')
  })

  it('incentive: a holder with a ten times slower uplink falls below 10 % of the blocks after 5 DAGs, and is still probed so it wins its share back once fast', async () => {
    const peers = [await newPeer(), await newPeer(), await newPeer()]
    const slow = peers[2]!.toString()
    // Each holder sends one block at a time (an uplink): 4 ms a block, the slow one 40 ms until it recovers.
    const msPerBlock = new Map(peers.map((p) => [p.toString(), p.toString() === slow ? 40 : 4]))
    const uplinkFree = new Map<string, Promise<void>>()
    const want: WantFromPeer = async (cid, peer) => {
      const key = peer.toString()
      const sent = (uplinkFree.get(key) ?? Promise.resolve()).then(() => new Promise<void>((resolve) => setTimeout(resolve, msPerBlock.get(key))))
      uplinkFree.set(key, sent)
      await sent
      return { has: true, block: cid.bytes }
    }
    // The node's own ranking, fed as the scoring broker feeds it (a success with its latency from the ask).
    const scores = new DefaultRetrievalScores()
    const split = new HolderSplit(want, { score: (p) => scores.scoreOf(p), probeMs: 100 })
    for (const p of peers) split.add(p)
    let next = 0
    /** One DAG of 32 blocks, all asked at once (the walker reads ahead 64): the slow holder's share of it. */
    const dag = async (): Promise<number> => {
      const senders = await Promise.all(
        Array.from({ length: 32 }, async () => {
          const cid = await cidOf(next++)
          let askedAt = performance.now()
          const got = await split.retrieve(cid, AbortSignal.timeout(10_000), () => {
            askedAt = performance.now()
          })
          assert.ok(got !== undefined)
          scores.record(got.sender, { ok: true, bytes: 1, latencyMs: performance.now() - askedAt })
          return got.sender
        }),
      )
      return senders.filter((s) => s === slow).length / senders.length
    }
    const shares: number[] = []
    for (let i = 0; i < 20; i++) shares.push(await dag())
    const late = shares.slice(5)
    assert.ok(
      late.every((s) => s < 0.1),
      `slow holder's share per DAG: ${shares.map((s) => s.toFixed(2)).join(' ')}`,
    )
    const asked = late.filter((s) => s > 0).length
    assert.ok(asked > 0, 'the slow holder is still probed now and then')
    // Its uplink gets as fast as the others': probes see it, and it wins back about a third.
    msPerBlock.set(slow, 4)
    const after: number[] = []
    for (let i = 0; i < 20; i++) {
      after.push(await dag())
      // idle between DAGs, as a node between orders: long enough for a probe
      await new Promise((resolve) => setTimeout(resolve, 110))
    }
    const recovered = after.slice(-5).reduce((a, b) => a + b, 0) / 5
    assert.ok(recovered > 0.2, `share once fast: ${after.map((s) => s.toFixed(2)).join(' ')}`)
  })
})
