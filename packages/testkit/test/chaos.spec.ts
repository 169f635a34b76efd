/**
 * The chaos run's seeded fault schedule and its finality invariants, without processes: a schedule
 * is the same for a seed and keeps its promises for any seed (never more validators down than
 * allowed, one fault per target at a time, every fault repaired before the end); the finality watch
 * catches a reverted head, a changed finalized hash and two nodes finalizing different blocks.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { type ChaosScheduleInit, chaosSchedule, FinalityWatch } from '../src/chaos/index.js'

const shape = (seed: number): ChaosScheduleInit => ({
  seed,
  durationMs: 300_000,
  validators: ['validator-1', 'validator-2', 'validator-3', 'validator-4'],
  others: ['node-a', 'node-b', 'node-c', 'gateway'],
  meanGapMs: 10_000,
  minFaultMs: 5_000,
  maxFaultMs: 30_000,
  maxValidatorsDown: 1,
})

describe('chaosSchedule', () => {
  it('behavior: one seed, one schedule; another seed, another', () => {
    assert.deepEqual(chaosSchedule(shape(7)), chaosSchedule(shape(7)))
    assert.notDeepEqual(chaosSchedule(shape(7)), chaosSchedule(shape(8)))
    assert.ok(chaosSchedule(shape(7)).length >= 20, 'about one fault per mean gap')
  })

  it('property: never more validators down than allowed, one fault per target at a time, all repaired before the end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const init = shape(seed)
        const down = new Map<string, string>()
        let last = 0
        for (const f of chaosSchedule(init)) {
          assert.ok(f.atMs >= last && f.atMs <= init.durationMs)
          last = f.atMs
          if (f.kind === 'kill' || f.kind === 'cut') {
            assert.equal(down.has(f.target), false, `${f.target} faulted twice at ${f.atMs}`)
            down.set(f.target, f.kind)
          } else {
            assert.equal(down.get(f.target), f.kind === 'restart' ? 'kill' : 'cut', `${f.kind} of ${f.target} at ${f.atMs} repairs no fault`)
            down.delete(f.target)
          }
          assert.ok(init.validators.filter((v) => down.has(v)).length <= init.maxValidatorsDown, `too many validators down at ${f.atMs}`)
        }
        assert.equal(down.size, 0, 'every fault repaired')
      }),
      { numRuns: 200 },
    )
  })
})

describe('FinalityWatch', () => {
  it('behavior: nodes that finalize the same chain, at their own pace, break nothing', () => {
    const watch = new FinalityWatch()
    for (let h = 1; h <= 5; h++) watch.observe('a', h, `0x${h}`, true)
    for (let h = 1; h <= 3; h++) watch.observe('b', h, `0x${h}`, true)
    assert.deepEqual(watch.violations, [])
    assert.equal(watch.commonHeight(), 3)
  })

  it('error: a finalized head going back is a revert', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('a', 4, '0x4', true)
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.node, v.height]),
      [['no finalized block reverted', 'a', 4]],
    )
  })

  it('error: a node whose finalized hash at a height changes reverted it', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('a', 5, '0xbad', false)
    assert.deepEqual(
      watch.violations.map((v) => v.invariant),
      ['no finalized block reverted'],
    )
  })

  it('error: two nodes finalizing different blocks at one height disagree', () => {
    const watch = new FinalityWatch()
    watch.observe('a', 5, '0x5', true)
    watch.observe('b', 5, '0xfork', true)
    assert.deepEqual(
      watch.violations.map((v) => [v.invariant, v.node, v.height]),
      [['all nodes agree on finalized blocks', 'b', 5]],
    )
  })
})
