import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pickReportSlot } from '../src/report-slot.js'

/** The runtime's rule (swork `reportSlotOf`): a report landing in block `b` must name `floor(b / R) * R`. */
const slotOfBlock = (b: number, r: number) => Math.floor(b / r) * r

describe('pickReportSlot', () => {
  it('behavior: names a slot block that exists, and one the next `margin` blocks all accept', () => {
    for (const r of [10, 20]) {
      for (const margin of [1, 4, 6]) {
        for (let best = 0; best <= 5 * r; best++) {
          const pick = pickReportSlot(best, r, margin)
          if ('slot' in pick) {
            assert.ok(pick.slot <= best, `best ${best}, R ${r}: slot ${pick.slot} exists`)
            for (let b = best + 1; b <= best + margin; b++)
              assert.equal(slotOfBlock(b, r), pick.slot, `best ${best}, R ${r}: a report in block ${b} is on time`)
          } else {
            assert.ok(pick.waitFor > best && pick.waitFor % r === 0, `best ${best}, R ${r}: waits for the next slot block`)
            const then = pickReportSlot(pick.waitFor, r, margin)
            assert.deepEqual(then, { slot: pick.waitFor }, 'which is then reported for')
          }
        }
      }
    }
  })

  it('behavior: the block before a slot block names the current slot or waits, never the slot block to come', () => {
    // floor((best + 1) / R) * R named block 20 here, which does not exist yet.
    assert.deepEqual(pickReportSlot(19, 20, 1), { waitFor: 20 })
    assert.deepEqual(pickReportSlot(13, 20, 4), { slot: 0 })
    assert.deepEqual(pickReportSlot(38, 20, 1), { slot: 20 })
  })
})
