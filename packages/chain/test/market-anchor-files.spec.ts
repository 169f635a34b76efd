/** The per-sWorker file index. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { anchorFiles, AnchorFileCount, trackReplica, untrackReplica } from '../src/pallets/market/anchor-files.js'
import { OverlayState } from '../src/frame/overlay.js'

const cidOf = (i: number) => new TextEncoder().encode(`cid-${i}`)
const anchor = (n: number) => new Uint8Array(64).fill(n)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('market anchor files', () => {
  it('behavior: random adds and removes keep the index equal to the set of tracked files (600 files span pages)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 599 })), { minLength: 1, maxLength: 1500 }), (ops) => {
        const state = new OverlayState(() => undefined)
        const model = new Set<number>()
        for (const [add, i] of ops) {
          if (add) {
            trackReplica(state, anchor(1), cidOf(i))
            model.add(i)
          } else {
            untrackReplica(state, anchor(1), cidOf(i))
            model.delete(i)
          }
        }
        const listed = [...anchorFiles(state, anchor(1))].map(text)
        assert.equal(listed.length, model.size)
        assert.deepEqual(new Set(listed), new Set([...model].map((i) => `cid-${i}`)))
        assert.equal(AnchorFileCount.get(state, anchor(1)), model.size)
        assert.equal([...anchorFiles(state, anchor(2))].length, 0, 'another anchor has its own list')
      }),
      { numRuns: 60 },
    )
  })
})
