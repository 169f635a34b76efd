import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CHILD_SEMI_SPACE_MIB, childHeapFlags } from '../src/commands/dev/child-heap.js'

describe('the V8 flags of crust dev / testnet children', () => {
  it('behavior: children get a bounded young generation unless NODE_OPTIONS sizes it', () => {
    const flag = `--max-semi-space-size=${CHILD_SEMI_SPACE_MIB}`
    assert.deepEqual(childHeapFlags(undefined), [flag])
    assert.deepEqual(childHeapFlags(''), [flag])
    // Other options leave the default in place.
    assert.deepEqual(childHeapFlags('--enable-source-maps --max-old-space-size=4096'), [flag])
    // The operator's own size wins: no second, conflicting flag.
    assert.deepEqual(childHeapFlags('--max-semi-space-size=32'), [])
    assert.deepEqual(childHeapFlags('--trace-gc --max-semi-space-size 16'), [])
  })
})
