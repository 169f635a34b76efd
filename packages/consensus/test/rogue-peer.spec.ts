/**
 * One victim (a chain, its network and sync on a real libp2p host) against rogue peers (testkit's
 * RoguePeer, a libp2p host of its own) that lie on the chain's protocols: each lie is bounded and
 * penalised, and the liar ends banned.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Chain, TransactionPool } from '@crust-ts/chain'
import { forgeSignature, RoguePeer, type RoguePeerInit } from '@crust-ts/testkit'
import { defaultPeerScoreThresholds } from '@libp2p/gossipsub/score'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import * as lp from 'it-length-prefixed'
import {
  BAN_SCORE,
  type ChainNetwork,
  ChainSync,
  type ConsensusHost,
  GOSSIP_SERVICE,
  MAX_JUSTIFICATION_SCAN,
  MAX_ORPHAN_FETCHES_PER_PEER,
  MAX_ORPHANS,
  Penalty,
  syncProtocol,
} from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'
import { silentLogger } from '@crust-ts/base'

describe('a victim against rogue peers', () => {
  let local: LocalChains
  let chain: Chain
  let pool: TransactionPool
  let host: ConsensusHost
  let network: ChainNetwork
  let sync: ChainSync
  const rogues: RoguePeer[] = []
  const keyring = new Keyring({ type: 'sr25519' })

  before(async () => {
    local = await LocalChains.create('crust-rogue-')
    chain = local.chain('victim')
    for (let slot = 1000; slot < 1003; slot++) local.produce(chain, slot)
    pool = new TransactionPool(local.runtime, chain)
    host = await local.host('victim')
    network = await local.network(host, chain, pool)
    sync = local.track(new ChainSync({ chain, network, logger: silentLogger }))
    sync.start()
  })

  after(async () => {
    for (const r of rogues) await r.stop()
    await local.close()
  })

  async function rogue(init: Omit<RoguePeerInit, 'genesisHash'> = {}): Promise<RoguePeer> {
    const r = await RoguePeer.create({ genesisHash: chain.genesis.hashHex, ...init })
    rogues.push(r)
    assert.equal(await r.connect(host.getMultiaddrs().map((a) => a.toString())), 1)
    await waitFor(async () => (network.peers().some((p) => p.equals(r.peerId)) ? true : undefined), 'the rogue a chain peer')
    return r
  }

  /** Runs sync rounds until `r` is banned. */
  const untilBanned = (r: RoguePeer, what: string, also: () => Promise<void> = async () => {}) =>
    waitFor(async () => {
      if (network.isBanned(r.peerId)) return true
      sync.trigger()
      await also()
      return undefined
    }, what)

  it('behavior: a peer claiming best = 10^9 and serving no headers neither pauses authoring nor escapes a ban', async () => {
    const r = await rogue({ claimBest: 1_000_000_000, mode: 'empty' })
    await waitFor(async () => ((r.served.headers ?? 0) > 0 ? true : undefined), 'a headers request to the rogue')
    assert.equal(sync.behind, false, 'a claimed best is not a reason to stop authoring')
    // The rogue counts a request when it answers; the victim penalises once it has read the empty
    // answer, a moment later (a loaded machine showed the gap).
    await waitFor(async () => (network.gate.score(r.peerId) > 0 || network.isBanned(r.peerId) ? true : undefined), 'the empty answer penalised')
    // (scores decay by the second: a little below the penalty by now)
    assert.ok(network.gate.score(r.peerId) > Penalty.FALSE_CLAIM / 2 || network.isBanned(r.peerId), 'penalised for the empty answer')
    await untilBanned(r, 'the liar banned')
    assert.equal(sync.behind, false)
  })

  it('behavior: a response beyond its frame bound is aborted and its peer penalised; two of them ban it', async () => {
    const r = await rogue({ claimBest: 0, mode: 'endless', endlessFrames: 5000 })
    await assert.rejects(
      network.requestHeaders(r.peerId, 1, 16),
      (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'CONSENSUS_ERROR_LIMIT_EXCEEDED',
    )
    assert.ok(network.gate.score(r.peerId) > Penalty.PROTOCOL / 2)
    await untilBanned(r, 'the endless peer banned')
  })

  it('behavior: a request of more than one frame is aborted at once (the server does not wait for the rest)', async () => {
    const r = await rogue({ claimBest: 0 })
    const stream = await r.host.dialProtocol(host.peerId, syncProtocol(chain.genesis.hashHex))
    const frame = lp.encode.single(new TextEncoder().encode(JSON.stringify({ type: 'status' })))
    stream.send(frame)
    stream.send(frame)
    // The write side stays open: only the frame bound can end the exchange.
    const ended = (async () => {
      try {
        for await (const _ of lp.decode(stream)) return 'answered'
        return 'ended'
      } catch {
        return 'aborted'
      }
    })()
    const verdict = await Promise.race([ended, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000).unref())])
    assert.notEqual(verdict, 'still open')
    assert.notEqual(verdict, 'answered')
  })

  it('behavior: an orphan flood holds one fetch per unknown parent within the bounds, and the sender whose chains never link ends banned', async () => {
    const r = await rogue({ claimBest: 0, mode: 'hang' })
    await waitFor(async () => (r.blockSubscribers() > 0 ? true : undefined), 'the victim subscribed to blocks')
    const number = chain.best.number + 1
    assert.ok((await r.floodOrphans(50, number, 2000)) > 0)
    await waitFor(
      async () => ((r.served.ancestors ?? 0) >= MAX_ORPHAN_FETCHES_PER_PEER && sync.stats().droppedOrphans >= 40 ? true : undefined),
      'ancestor fetches',
    )
    assert.ok(r.maxInFlight <= MAX_ORPHAN_FETCHES_PER_PEER, `${r.maxInFlight} ancestor fetches at once from one peer`)
    const stats = sync.stats()
    assert.ok(stats.orphans <= MAX_ORPHANS && stats.orphanFetches <= MAX_ORPHAN_FETCHES_PER_PEER, JSON.stringify(stats))
    // Its fetches end empty: each costs the sender a penalty, until it is banned.
    r.mode = 'empty'
    r.releaseHung()
    await untilBanned(r, 'the orphan flooder banned', async () => {
      await r.floodOrphans(2, chain.best.number + 1, 2001)
    })
    await waitFor(async () => (sync.stats().fetches === 0 ? true : undefined), 'no fetch left')
    assert.equal(sync.stats().orphans, 0)
  })

  it('behavior: fresh identities from one IP do not lower the gossip score of another peer of that IP; a refused peer is graylisted', async () => {
    const gossip = host.services[GOSSIP_SERVICE] as (typeof host.services)[typeof GOSSIP_SERVICE] & { getScore(id: string): number }
    // Gossipsub's IP colocation factor counted these (connected or gone) against every peer of the
    // IP once more than 10 ids were seen there: the honest one below fell below its publish and
    // graylist thresholds, and its blocks and votes were dropped.
    for (let i = 0; i < 16; i++) {
      const r = await RoguePeer.create({ genesisHash: chain.genesis.hashHex })
      rogues.push(r)
      // (libp2p refuses inbound connections beyond a rate per IP: dial again until one opens)
      await waitFor(async () => ((await r.connect(host.getMultiaddrs().map((a) => a.toString()))) === 1 ? true : undefined), 'a rogue connected')
      await waitFor(async () => (gossip.getPeers().some((p) => p.equals(r.peerId)) ? true : undefined), 'the rogue in gossip')
      await r.stop()
    }
    const honest = await RoguePeer.create({ genesisHash: chain.genesis.hashHex })
    rogues.push(honest)
    await waitFor(async () => ((await honest.connect(host.getMultiaddrs().map((a) => a.toString()))) === 1 ? true : undefined), 'the peer connected')
    const id = honest.peerId.toString()
    await waitFor(async () => (gossip.getPeers().some((p) => p.equals(honest.peerId)) ? true : undefined), 'the peer in gossip')
    assert.ok(gossip.getScore(id) >= 0, `gossip score ${gossip.getScore(id)} of a peer that did nothing wrong`)
    network.setDenied([id])
    try {
      await waitFor(async () => (gossip.getScore(id) < defaultPeerScoreThresholds.graylistThreshold ? true : undefined), 'the refused peer graylisted')
    } finally {
      network.setDenied([])
    }
  })

  it('behavior: a justifications request scans a bounded number of blocks, whatever the finalized height', async () => {
    const r = await rogue({ claimBest: 0 })
    let reads = 0
    const hashAt = chain.hashAt.bind(chain)
    const finalized = chain.finalized
    chain.hashAt = (n: number) => {
      reads++
      return hashAt(n)
    }
    Object.defineProperty(chain, 'finalized', { get: () => ({ ...finalized, number: 1_000_000 }), configurable: true })
    try {
      await r.request(host.peerId, { type: 'justifications', from: 1, max: 64 })
    } finally {
      delete (chain as { hashAt?: unknown }).hashAt
      delete (chain as { finalized?: unknown }).finalized
    }
    assert.ok(reads > 0 && reads <= MAX_JUSTIFICATION_SCAN, `${reads} block numbers scanned`)
  })

  function transfer(nonce: number, amount = 1_000_000_000n): Uint8Array {
    const registry = local.runtime.registry
    const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: u8aToHex(keyring.addFromUri('//Ferdie').publicKey) }, value: amount } })
    const xt = registry.createType('Extrinsic', call)
    xt.sign(keyring.addFromUri('//Bob'), {
      blockHash: chain.genesis.hash,
      genesisHash: chain.genesis.hash,
      nonce,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', local.runtime.version),
    } as never)
    return xt.toU8a()
  }

  it('behavior: pushes of duplicate or stale transactions cost nothing; pushes of forged signatures are cut off and end in a ban', async () => {
    const r = await rogue({ claimBest: 0 })
    const good = transfer(0)
    assert.equal(await r.pushTransactions(host.peerId, [good]), 'answered')
    assert.equal(await r.pushTransactions(host.peerId, [good, good]), 'answered', 'duplicates are answered')
    // Included in a block: pushed again, it is stale.
    local.produce(chain, 3000, { extrinsics: pool.source() })
    assert.equal(await r.pushTransactions(host.peerId, [good]), 'answered', 'stale ones are answered')
    assert.equal(network.gate.score(r.peerId), 0, 'no penalty for duplicates or stale ones')
    const forged = Array.from({ length: 50 }, (_, i) => forgeSignature(transfer(1 + i, 1_000_000_000n + BigInt(i))))
    let pushes = 0
    await waitFor(async () => {
      if (network.isBanned(r.peerId)) return true
      assert.equal(await r.pushTransactions(host.peerId, forged), 'refused', 'a push with a forged signature is cut off')
      pushes++
      return undefined
    }, 'the forger banned')
    // Four penalties reach the ban score; the score decays meanwhile, so a fifth may be needed.
    assert.ok(pushes <= Math.ceil(BAN_SCORE / Penalty.BAD_TRANSACTION) + 1, `banned after ${pushes} pushes`)
    assert.equal(pool.status().ready + pool.status().future, 0, 'no forged transfer pooled')
  })
})
