/** The per-sWorker file index and the reported flag of its replicas. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { anchorFiles, AnchorFileCount, setAnchorReported, trackReplica, untrackReplica } from '../src/pallets/market/anchor-files.js'
import { FilesV2 } from '../src/pallets/market/storage.js'
import type { FileInfo } from '../src/pallets/market/storage.js'
import { OverlayState } from '../src/frame/overlay.js'

const cidOf = (i: number) => new TextEncoder().encode(`cid-${i}`)
const anchor = (n: number) => new Uint8Array(64).fill(n)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

function fileWith(replicas: Array<{ anchor: Uint8Array; reported: boolean }>): FileInfo {
  return {
    file_size: 100n,
    spower: 0n,
    expired_at: 1000,
    calculated_at: 0,
    amount: 0n,
    prepaid: 0n,
    reported_replica_count: replicas.filter((r) => r.reported).length,
    remaining_paid_count: 0,
    replicas: replicas.map((r, i) => [
      anchor(100 + i).subarray(0, 32),
      { who: anchor(100 + i).subarray(0, 32), valid_at: 1, anchor: r.anchor, is_reported: r.reported, created_at: undefined },
    ]),
  } as FileInfo
}

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

  it('behavior: an outage marks only that sWorker replicas unreported, once; a report marks them back', () => {
    const state = new OverlayState(() => undefined)
    const [a, b] = [anchor(1), anchor(2)]
    for (let i = 0; i < 3; i++) {
      FilesV2.insert(
        state,
        cidOf(i),
        fileWith([
          { anchor: a, reported: true },
          { anchor: b, reported: true },
        ]),
      )
      trackReplica(state, a, cidOf(i))
      trackReplica(state, b, cidOf(i))
    }
    assert.equal(setAnchorReported(state, a, false), 3)
    for (let i = 0; i < 3; i++) {
      const file = FilesV2.get(state, cidOf(i))!
      assert.equal(file.reported_replica_count, 1)
      assert.deepEqual(
        file.replicas.map(([, r]) => r.is_reported),
        [false, true],
      )
    }
    assert.equal(setAnchorReported(state, a, false), 0, 'nothing to walk while the outage lasts')
    assert.equal(setAnchorReported(state, a, true), 3)
    assert.equal(FilesV2.get(state, cidOf(0))!.reported_replica_count, 2)
  })
})
