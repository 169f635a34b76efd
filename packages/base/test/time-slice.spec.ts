import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TimeSlice } from '../src/index.js'

describe('TimeSlice', () => {
  it('behavior: pause() gives a waiting callback its turn only once the slice is over', async () => {
    let turns = 0
    setImmediate(() => turns++)
    await new TimeSlice(60_000).pause()
    assert.equal(turns, 0, 'within the slice: no turn of the event loop')
    await new TimeSlice(0).pause()
    assert.equal(turns, 1, 'after the slice: the waiting callback ran')
  })
})
