/**
 * Sync between two real chains behind two real libp2p hosts on loopback (one process): a peer's
 * head of the same height on another fork is fetched (fork choice then picks the earlier-slot
 * head on both sides), and a block asked for by hash (a block someone voted for) is fetched with
 * its missing ancestors.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Chain, ImportedBlock } from '@crust-ts/chain'
import { silentLogger } from '@crust-ts/base'
import { ChainSync } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

describe('ChainSync between two hosts', () => {
  let local: LocalChains

  before(async () => {
    local = await LocalChains.create('crust-sync-', { blockTimeMs: 1000 })
  })

  after(async () => {
    await local.close()
  })

  const produce = (chain: Chain, slot: number): ImportedBlock => local.produce(chain, slot)

  const copy = (from: Chain, to: Chain, block: ImportedBlock) => local.copy(from, to, block)

  /** A chain on its own host and network (started), with a sync (not started: tests trigger it). */
  async function node(name: string) {
    const chain = local.chain(name)
    const host = await local.host(name)
    const network = await local.network(host, chain)
    const sync = local.track(new ChainSync({ chain, network, logger: silentLogger }))
    return { chain, host, network, sync }
  }

  it('behavior: a peer head of the same height on another fork is fetched; both sides pick the earlier-slot head', async () => {
    const x = await node('tie-x')
    const y = await node('tie-y')
    const common = produce(x.chain, 1)
    copy(x.chain, y.chain, common)
    const later = produce(x.chain, 3)
    const earlier = produce(y.chain, 2)
    assert.equal(x.chain.best.hashHex, later.block.hashHex)
    await x.host.dial(y.host.getMultiaddrs()[0]!)
    await waitFor(async () => (x.network.peers().length > 0 && y.network.peers().length > 0 ? true : undefined), 'connected')
    // y fetches x's head and keeps its own (the earlier slot); x fetches y's and switches to it.
    y.sync.trigger()
    await waitFor(async () => (y.chain.blockByHash(later.block.hash) !== undefined ? true : undefined), 'y fetched the other head')
    assert.equal(y.chain.best.hashHex, earlier.block.hashHex)
    x.sync.trigger()
    await waitFor(async () => (x.chain.best.hashHex === earlier.block.hashHex ? true : undefined), 'x switched to the earlier-slot head')
  })

  it('behavior: a block requested by hash is fetched with its missing ancestors', async () => {
    const x = await node('hash-x')
    const y = await node('hash-y')
    const common = produce(x.chain, 1)
    copy(x.chain, y.chain, common)
    produce(x.chain, 2)
    produce(x.chain, 3)
    const fork = [produce(y.chain, 5), produce(y.chain, 6)]
    await x.host.dial(y.host.getMultiaddrs()[0]!)
    await waitFor(async () => (x.network.peers().length > 0 ? true : undefined), 'connected')
    const wanted = fork[0]!.block
    assert.equal(await x.sync.requestBlock(wanted.hashHex), true)
    assert.ok(x.chain.blockByHash(wanted.hash), 'the block is imported')
    assert.equal(x.chain.blockByHash(fork[1]!.block.hash), undefined, 'only what was asked for')
    assert.equal(x.chain.best.number, 3, 'a shorter fork does not become best')
    assert.equal(await x.sync.requestBlock(fork[1]!.block.hashHex, y.host.peerId), true)
    assert.equal(x.chain.best.number, 3, 'a fork of equal height with a later slot does not become best')
    assert.equal(await x.sync.requestBlock(`0x${'11'.repeat(32)}`), false, 'a block no peer has')
    assert.equal(await x.sync.requestBlock('0x1234'), false, 'not a block hash')
  })
})
