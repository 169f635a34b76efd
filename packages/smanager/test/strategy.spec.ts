import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffMs, pickSource, strategyWeights } from '../src/scheduler/index.js'
import { seededRandom } from './fixtures/random.js'

function share(weights: ReturnType<typeof strategyWeights>, picks: number): number {
  const random = seededRandom(7)
  let db = 0
  for (let i = 0; i < picks; i++) if (pickSource(weights, random) === 'dbScan') db++
  return db / picks
}

describe('scheduler: strategy', () => {
  it('behavior: named strategies are Crust weights normalised to percentages', () => {
    assert.deepEqual(strategyWeights('default'), { dbFilesWeight: 50, newFilesWeight: 50 })
    const srd = strategyWeights('srdFirst')
    assert.ok(Math.abs(srd.dbFilesWeight - 800 / 9) < 1e-9)
    assert.ok(Math.abs(srd.newFilesWeight - 100 / 9) < 1e-9)
    assert.deepEqual(strategyWeights('newFileFirst'), { dbFilesWeight: 20, newFilesWeight: 80 })
    assert.deepEqual(strategyWeights({ dbFilesWeight: 1, newFilesWeight: 3 }), { dbFilesWeight: 25, newFilesWeight: 75 })
  })

  it('behavior: picks follow the weights', () => {
    const picks = 20_000
    assert.ok(Math.abs(share(strategyWeights('default'), picks) - 0.5) < 0.02)
    assert.ok(Math.abs(share(strategyWeights('srdFirst'), picks) - 8 / 9) < 0.02)
    assert.ok(Math.abs(share(strategyWeights('newFileFirst'), picks) - 0.2) < 0.02)
    assert.equal(share(strategyWeights({ dbFilesWeight: 0, newFilesWeight: 1 }), 1000), 0)
    assert.equal(share(strategyWeights({ dbFilesWeight: 1, newFilesWeight: 0 }), 1000), 1)
  })

  it('behavior: the pick boundary is the db weight', () => {
    const w = { dbFilesWeight: 30, newFilesWeight: 70 }
    assert.equal(
      pickSource(w, () => 0.2999),
      'dbScan',
    )
    assert.equal(
      pickSource(w, () => 0.3),
      'chainEvent',
    )
  })
})

describe('scheduler: backoff', () => {
  it('behavior: doubles from the base and stops at the cap', () => {
    const o = { baseMs: 1000, factor: 2, maxMs: 10_000 }
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, o)),
      [1000, 2000, 4000, 8000, 10_000, 10_000],
    )
    assert.equal(backoffMs(0, o), 1000, 'attempt counts below 1 count as 1')
    assert.equal(backoffMs(5000, o), 10_000, 'huge attempt counts stay capped')
  })
})
