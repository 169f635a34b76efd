/**
 * The executive's `System.BlockHash` window: the last `blockHashCount` parent hashes, and genesis'
 * kept forever; and hashes that arrive as views of larger Buffers read back as themselves.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OverlayState } from '../src/frame/overlay.js'
import { BlockHash, ParentHash } from '../src/pallets/system.js'
import { ownBuffer } from '../src/primitives/codec/decode.js'
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

describe('storage: hashes handed over as views of larger Buffers', () => {
  it('behavior: a hash that is a view into a Buffer (as a block hash cut from an lmdb key) is stored and read back as itself', () => {
    const hash = new Uint8Array(32).map((_, i) => i + 1)
    // A journal key: the block number (u32 big-endian), then the hash; lmdb returns keys as Buffers.
    const key = Buffer.concat([Buffer.from([0, 0, 0, 30]), hash])
    const view = key.slice(4)
    assert.notEqual(view.byteOffset, 0, 'a Buffer slice is a view')
    const state = new OverlayState(() => undefined)
    BlockHash.insert(state, 30, view)
    ParentHash.put(state, view)
    // Read back through the overlay (the same block, as report_works' timing check and the
    // challenges' seed do): before the fix both read 00 00 00 1e and the hash's first 28 bytes.
    assert.deepEqual(BlockHash.get(state, 30), hash)
    assert.deepEqual(ParentHash.get(state), hash)
  })

  it('behavior: ownBuffer copies a Buffer view into memory of its own', () => {
    const view = Buffer.from([9, 9, 1, 2, 3]).subarray(2)
    const own = ownBuffer(view)
    assert.equal(own.byteOffset, 0)
    assert.equal(own.buffer.byteLength, 3)
    assert.deepEqual([...own], [1, 2, 3])
  })
})
