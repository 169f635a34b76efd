/** How far a starting storage node's chain node must sync before its sWorker and sManager submit. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bootnodePeerIds, syncTarget } from '../src/index.js'

const VALIDATOR = '12D3KooWValidator'
const bootnodes = bootnodePeerIds([`/ip4/10.0.0.2/tcp/30333/p2p/${VALIDATOR}`, '/ip4/10.0.0.3/tcp/30333'])

describe('sync target', () => {
  it('behavior: the peer ids of bootnode multiaddrs (an address without one is skipped)', () => {
    assert.deepEqual([...bootnodes], [VALIDATOR])
  })

  it('behavior: a storage node that started at the same time (still at genesis) is not the network: no target until a bootnode answers', () => {
    // Started together, two storage nodes dial each other first: each answers with genesis.
    const otherStarter = { peer: '12D3KooWOtherStorageNode', best: 0, finalized: 0 }
    assert.equal(syncTarget([otherStarter], bootnodes), undefined)
    assert.deepEqual(syncTarget([otherStarter, { peer: VALIDATOR, best: 42, finalized: 40 }], bootnodes), { best: 42, finalized: 40 })
  })

  it('behavior: a storage node that followed the network (finalized past genesis) answers for it while the bootnode link is late', () => {
    const synced = { peer: '12D3KooWSyncedStorageNode', best: 42, finalized: 40 }
    assert.deepEqual(syncTarget([synced], bootnodes), { best: 42, finalized: 40 })
    assert.equal(syncTarget([{ peer: '12D3KooWStarting', best: 1, finalized: 0 }], bootnodes), undefined)
  })

  it('behavior: a non-bootnode peer ahead of the bootnode raises the target; with no bootnode named any peer counts', () => {
    const peers = [
      { peer: VALIDATOR, best: 42, finalized: 40 },
      { peer: '12D3KooWAhead', best: 44, finalized: 41 },
    ]
    assert.deepEqual(syncTarget(peers, bootnodes), { best: 44, finalized: 41 })
    assert.deepEqual(syncTarget([{ peer: '12D3KooWAny', best: 3, finalized: 1 }], new Set()), { best: 3, finalized: 1 })
    assert.equal(syncTarget([], new Set()), undefined)
  })
})
