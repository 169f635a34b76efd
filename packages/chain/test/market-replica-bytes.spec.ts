/**
 * The in-place replica add (`addReplicaInPlace`: the stored FileInfoV2's bytes spliced) against the
 * decoding path (`upsertReplicaDecoded`) on the same state: same return, same writes byte for
 * byte, same events, over random files (replica counts across the spower table's steps, ripe and
 * ripening replicas, amounts across the compact widths, paid counts, pending files, collateral).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { MarketBenefits } from '../src/pallets/benefits/index.js'
import { calculateSpower, MarketStorage as S } from '../src/pallets/market/index.js'
import { addReplicaInPlace, type ReplicaChange, upsertReplicaDecoded } from '../src/pallets/market/replicas.js'
import type { Replica } from '../src/pallets/market/types.js'
import { WorkReports } from '../src/pallets/swork/index.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'
import { writeLayer as layer } from './fixtures/write-layer.js'

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const replicaArb = (now: number, ready: number) =>
  fc.record({
    owner: bytes32,
    who: bytes32,
    valid_at: fc.nat({ max: now }),
    anchor: fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 80 })),
    is_reported: fc.boolean(),
    // Ripe (None) or ripening and not yet due (one due replica is drawn apart: `due`).
    created_at: fc.option(fc.integer({ min: now - ready + 1, max: now }), { nil: undefined }),
  })
const amountArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 200n }),
  fc.bigInt({ min: 16_000n, max: 17_000n }),
  fc.bigInt({ min: (1n << 30n) - 500n, max: (1n << 30n) + 500n }),
  fc.bigInt({ min: 0n, max: (1n << 127n) - 1n }),
)

describe('market: adding a replica in place', () => {
  it('property: same return, writes and events as the decoding path, on random files; most adds take the in-place path', async () => {
    await cryptoWaitReady()
    const h = await RuntimeHarness.create()
    h.startBlock()
    // The block the adds run at (passed in their context; the harness's own number does not matter).
    const now = 1000
    const ready = 5
    S.SpowerReadyPeriod.put(h.state, ready)
    let inPlace = 0
    let runs = 0
    const cid = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    fc.assert(
      fc.property(
        fc.record({
          // Around the spower table's steps (8/9, 16/17, 100/101, 157/158) and the 200 cap.
          count: fc.oneof(
            fc.integer({ min: 1, max: 12 }),
            fc.integer({ min: 15, max: 18 }),
            fc.integer({ min: 98, max: 102 }),
            fc.integer({ min: 155, max: 160 }),
            fc.constant(200),
          ),
          fileSize: fc.bigInt({ min: 1n, max: 1n << 40n }),
          amount: amountArb,
          prepaid: amountArb,
          remaining: fc.integer({ min: 0, max: 4 }),
          pending: fc.boolean(),
          collateral: fc.bigInt({ min: 0n, max: 1n << 100n }),
          duplicate: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          due: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          newOwner: bytes32,
          newValidAt: fc.oneof(
            { weight: 4, arbitrary: fc.integer({ min: now - ready + 1, max: now }) },
            { weight: 1, arbitrary: fc.integer({ min: 0, max: now }) },
          ),
          seedReplicas: fc.array(replicaArb(now, ready), { minLength: 200, maxLength: 200 }),
        }),
        (c) => {
          runs++
          const replicas: Array<[Uint8Array, Replica]> = c.seedReplicas
            .slice(0, c.count)
            .map((r) => [r.owner, { who: r.who, valid_at: r.valid_at, anchor: r.anchor, is_reported: r.is_reported, created_at: r.created_at }])
          if (c.due) replicas.at(-1)![1].created_at = now - ready
          const base = layer(h.state)
          S.FilesV2.insert(base.state, cid, {
            file_size: c.fileSize,
            spower: calculateSpower(c.fileSize, c.count),
            expired_at: c.pending ? 0 : now + 100,
            calculated_at: now - 1,
            amount: c.amount,
            prepaid: c.prepaid,
            reported_replica_count: c.count,
            remaining_paid_count: c.remaining,
            replicas,
          })
          // The ripe replicas' sWorkers have work reports, so their spowers move.
          for (const [, r] of replicas)
            WorkReports.insert(base.state, r.anchor, {
              report_slot: 0n,
              spower: 1n << 50n,
              free: 0n,
              reported_files_size: 0n,
              reported_srd_root: new Uint8Array(),
              reported_files_root: new Uint8Array(),
            })
          const owner = c.duplicate ? replicas[0]![0] : c.newOwner
          MarketBenefits.insert(base.state, owner, {
            total_funds: c.collateral,
            active_funds: c.collateral,
            used_fee_reduction_quota: 0n,
            file_reward: 0n,
            refreshed_at: 0,
            unlocking_funds: [],
          })
          const change: ReplicaChange = { reporter: c.newOwner, owner, cid, fileSize: c.fileSize, validAt: c.newValidAt, anchor: new Uint8Array(64).fill(7) }
          const run = (path: 'fast' | 'decoded') => {
            const l = layer(base.state)
            const events: unknown[] = []
            const ctx = { state: l.state, config: h.runtime.config, blockNumber: now, deposit: (...e: unknown[]) => void events.push(e) }
            const key = S.FilesV2.key(cid)
            const result = path === 'fast' ? addReplicaInPlace(ctx, change, key, l.state.get(key)!) : upsertReplicaDecoded(ctx, change)
            return { result, writes: l.dump(), events }
          }
          const fast = run('fast')
          if (fast.result === undefined) {
            assert.deepEqual(fast.writes, [], 'nothing written when the in-place path declines')
            return
          }
          inPlace++
          const decoded = run('decoded')
          assert.equal(fast.result, decoded.result)
          assert.deepEqual(fast.writes, decoded.writes)
          assert.deepEqual(fast.events, decoded.events)
        },
      ),
      { numRuns: 300 },
    )
    assert.ok(inPlace > runs / 3, `the in-place path ran in ${inPlace} of ${runs} cases`)
  })
})
