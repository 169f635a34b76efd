/** The executive's `System.BlockHash` window: the last `blockHashCount` parent hashes, and genesis' kept forever. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BlockHash } from '../src/pallets/system.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'

describe('executive: BlockHash pruning', () => {
  it('behavior: hashes older than blockHashCount are pruned, the genesis hash (block 0) never is', async () => {
    const h = await RuntimeHarness.create({ config: { blockHashCount: 5 } })
    h.runTo(20)
    // The harness's block n has parent hash fill(n % 256): block 1's parent is genesis.
    assert.ok(BlockHash.contains(h.state, 0), 'genesis hash kept')
    assert.deepEqual(BlockHash.get(h.state, 0), new Uint8Array(32).fill(1))
    for (let n = 1; n <= 14; n++) assert.equal(BlockHash.contains(h.state, n), false, `block ${n} pruned`)
    for (let n = 15; n <= 19; n++) assert.deepEqual(BlockHash.get(h.state, n), new Uint8Array(32).fill(n + 1), `block ${n} kept`)
  })
})
