/**
 * Four validator processes of the `local` chain against rogue peers (testkit's RoguePeer, one per
 * lie, each dialling all four): a status claiming best = 10^9 with empty answers, endless answers,
 * an orphan flood, forged-signature transaction pushes, random bytes. While they act the honest
 * validators keep authoring and finalizing; each rogue ends banned on every validator (seen in
 * the validators' stats and their 'peer banned' log line); orphans and fetches stay within their
 * bounds (asserted on the validators' counts, not on timings).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import '@polkadot/api-augment'
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { LOCAL_AUTHORITIES } from '@crust-ts/chain'
import { forgeSignature, RoguePeer, type RoguePeerInit } from '@crust-ts/testkit'
import { MAX_ANCESTOR_FETCH, MAX_ORPHAN_FETCHES, MAX_ORPHANS } from '../src/index.js'
import { NodeNetwork, type NodeProcess, nodeStats, type RpcClient, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000

describe('validators against rogue peers', () => {
  let net: NodeNetwork
  let nodes: NodeProcess[]
  let clients: RpcClient[]
  let genesisHash: string
  const rogues: RoguePeer[] = []

  before(async () => {
    await cryptoWaitReady()
    net = new NodeNetwork('crust-rogue-e2e-')
    nodes = net.nodes
    clients = net.clients
    for (const [i, name] of LOCAL_AUTHORITIES.entries()) await net.add(`validator-${i}`, { blockTimeMs: BLOCK_TIME, validatorKey: `//${name}` })
    genesisHash = await clients[0]!.call<string>('chain_getBlockHash', [0])
    await waitFor(async () => ((await clients[0]!.bestNumber()) >= 3 ? true : undefined), 'the first blocks')
  })

  after(async () => {
    for (const r of rogues) await r.stop()
    await net.close()
  })

  const finalizedNumber = async (c: RpcClient) => {
    const hash = await c.call<string>('chain_getFinalizedHead')
    return Number.parseInt((await c.call<{ number: string }>('chain_getHeader', [hash])).number, 16)
  }

  /** Checks every validator's orphans and fetches against their bounds; returns whether all four banned `rogue`. */
  async function bannedEverywhere(rogue: RoguePeer): Promise<boolean> {
    const id = rogue.peerId.toString()
    let all = true
    for (const node of nodes) {
      const stats = await nodeStats(node)
      assert.ok(stats.sync.orphans <= MAX_ORPHANS, `orphans ${stats.sync.orphans}`)
      assert.ok(stats.sync.orphanFetches <= MAX_ORPHAN_FETCHES, `orphan fetches ${stats.sync.orphanFetches}`)
      assert.ok(stats.sync.bufferedBlocks <= MAX_ORPHAN_FETCHES * MAX_ANCESTOR_FETCH, `buffered blocks ${stats.sync.bufferedBlocks}`)
      // A validator may really be behind an honest one on a loaded machine (and wait, rightly); what
      // must never happen is a rogue's claim counting: the verified best stays at or below the
      // honest validators' best (read after the stats, and best only grows).
      const honestBest = Math.max(...(await Promise.all(clients.map((c) => c.bestNumber()))))
      assert.ok(stats.sync.verifiedBest <= honestBest, `verified best ${stats.sync.verifiedBest} above every honest best ${honestBest}: a claim counted`)
      if (!stats.banned.includes(id)) all = false
    }
    return all
  }

  /**
   * Connects a new rogue to all four validators, runs `act` until every validator banned it, and
   * returns the blocks authored and finalized on validator 0 meanwhile.
   */
  async function attack(
    init: Omit<RoguePeerInit, 'genesisHash'>,
    act: (r: RoguePeer) => Promise<void>,
    what: string,
  ): Promise<{ authored: number; finalized: number }> {
    const r = await RoguePeer.create({ genesisHash, ...init })
    rogues.push(r)
    assert.equal(await r.connect(nodes.map((n) => n.addrs[0]!)), 4)
    const best = await clients[0]!.bestNumber()
    const finalized = await finalizedNumber(clients[0]!)
    await waitFor(
      async () => {
        if (await bannedEverywhere(r)) return true
        await act(r)
        return undefined
      },
      `${what}: the rogue banned by all four validators`,
      120_000,
    )
    for (const node of nodes) {
      const log = readFileSync(node.logFile, 'utf8')
      assert.ok(
        log.split('\n').some((line) => line.includes('"peer banned"') && line.includes(r.peerId.toString())),
        `'peer banned' logged for the ${what} rogue`,
      )
    }
    await r.stop()
    return { authored: (await clients[0]!.bestNumber()) - best, finalized: (await finalizedNumber(clients[0]!)) - finalized }
  }

  it('behavior: each lying peer ends banned everywhere while the honest validators author and finalize, orphans and fetches bounded', async () => {
    const start = { best: await clients[0]!.bestNumber(), finalized: await finalizedNumber(clients[0]!) }

    // 1. best = 10^9 in status, nothing served: authoring goes on (the claim is never verified).
    const lie = await attack({ claimBest: 1_000_000_000, mode: 'empty' }, async () => {}, 'false status')
    assert.ok(lie.authored >= 3, `${lie.authored} blocks authored while the false status was around`)

    // 2. Endless answers to every sync request.
    await attack({ claimBest: 0, mode: 'endless' }, async () => {}, 'endless answers')

    // 3. An orphan flood (random unknown parents just above the best block); its fetches hang at first, then end empty.
    let floods = 0
    await attack(
      { claimBest: 0, mode: 'hang' },
      async (r) => {
        if (++floods === 20) {
          r.mode = 'empty'
          r.releaseHung()
        }
        await r.floodOrphans(10, (await clients[0]!.bestNumber()) + 1, Math.floor(Date.now() / BLOCK_TIME))
      },
      'orphan flood',
    )

    // 4. Transactions with forged signatures (immortal transfers, one signature byte flipped).
    const api = await ApiPromise.create({ provider: new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const forged: Uint8Array[] = []
    try {
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const bob = keyring.addFromUri('//Bob')
      const dest = keyring.addFromUri('//Ferdie').address
      const nonce = (await api.rpc.system.accountNextIndex(bob.address)).toNumber()
      for (let i = 0; i < 20; i++)
        forged.push(
          forgeSignature((await api.tx.balances.transferKeepAlive(dest, 1_000_000_000n + BigInt(i)).signAsync(bob, { nonce: nonce + i, era: 0 })).toU8a()),
        )
    } finally {
      await api.disconnect()
    }
    await attack(
      { claimBest: 0 },
      async (r) => {
        for (const c of r.host.getConnections()) await r.pushTransactions(c.remotePeer, forged)
      },
      'forged transactions',
    )

    // 5. Random bytes: gossiped as votes, and as a sync request.
    await attack(
      { claimBest: 0 },
      async (r) => {
        await r.floodGarbageVotes(5)
        for (const c of r.host.getConnections()) await r.sendGarbageRequest(c.remotePeer)
      },
      'random bytes',
    )

    // The honest network went on throughout, and holds nothing of the floods.
    const end = { best: await clients[0]!.bestNumber(), finalized: await finalizedNumber(clients[0]!) }
    assert.ok(end.best - start.best >= 10, `${end.best - start.best} blocks authored during the attacks`)
    assert.ok(end.finalized - start.finalized >= 5, `${end.finalized - start.finalized} blocks finalized during the attacks`)
    await waitFor(async () => ((await finalizedNumber(clients[0]!)) > end.finalized ? true : undefined), 'finality going on')
    for (const node of nodes) {
      const stats = await waitFor(async () => {
        const s = await nodeStats(node)
        return s.sync.fetches === 0 && s.sync.orphans === 0 ? s : undefined
      }, 'the orphans and fetches gone')
      assert.equal(stats.sync.bufferedBlocks, 0)
    }
  })
})
