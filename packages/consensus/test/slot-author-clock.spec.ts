/**
 * A validator's test clock offset (a chaos run's clock skew): its slot timer and the time it claims
 * a slot with follow its skewed clock, not the wall clock. Mocked timers and Date; `claim` is
 * recorded by a subclass (what it builds is the chain's business, tested there).
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it, mock } from 'node:test'
import { silentLogger } from '@crust-ts/base'
import type { SigningKeys } from '@crust-ts/chain'
import { SlotAuthor, type SlotAuthorComponents } from '../src/slot-author.js'

class RecordingAuthor extends SlotAuthor {
  readonly claims: number[] = []
  override claim(now: number): undefined {
    this.claims.push(now)
    return undefined
  }
}

const components = { logger: silentLogger } as unknown as SlotAuthorComponents
const keys = {} as SigningKeys

describe('SlotAuthor clock offset', () => {
  afterEach(() => mock.timers.reset())

  for (const [offset, firstWait] of [
    [0, 700],
    [2500, 200],
    [-2500, 200],
  ] as const) {
    it(`behavior: with a ${offset} ms offset it wakes at its own slot boundary and claims with its own clock`, () => {
      mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 10_300 })
      const author = new RecordingAuthor(components, { keys, blockTimeMs: 1000, ...(offset === 0 ? {} : { clockOffsetMs: offset }) })
      author.start()
      mock.timers.tick(firstWait - 1)
      assert.deepEqual(author.claims, [], 'not before its slot boundary')
      mock.timers.tick(1)
      mock.timers.tick(1000)
      author.stop()
      const first = 10_300 + firstWait + offset
      assert.deepEqual(author.claims, [first, first + 1000])
      assert.equal(first % 1000, 0, 'on a boundary of its own clock')
    })
  }
})
