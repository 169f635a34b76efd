/**
 * A work report's files applied with the sWorker file-list and ripening-queue appends batched
 * (`applyReportedFiles`: each page written once per report) against the same steps file by file,
 * as `report_works` did before (each added replica appended at once): over a random sequence of
 * reports, the same outcomes, events and writes byte for byte. The lists start near their page
 * boundaries (256 files per sWorker page, 64 per ripening page), files are reported twice, deleted
 * in the report that adds them, unknown, reported larger than ordered, or due to ripen.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { MarketBenefits } from '../src/pallets/benefits/index.js'
import { endowAtGenesis } from '../src/pallets/balances.js'
import { calculateSpower, MarketStorage as S, STORAGE_POT } from '../src/pallets/market/index.js'
import { trackReplica } from '../src/pallets/market/anchor-files.js'
import { deleteReplica, fileExists, upsertReplica } from '../src/pallets/market/replicas.js'
import { applyReportedFiles, type ReportedFile, type Reporting, type ReportedFilesOutcome } from '../src/pallets/market/reported-files.js'
import { queueRipening } from '../src/pallets/market/ripening-queue.js'
import type { Replica } from '../src/pallets/market/types.js'
import { WorkReports } from '../src/pallets/swork/index.js'
import type { StorageAccess } from '../src/frame/storage.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'
import { writeLayer as layer } from './fixtures/write-layer.js'

type Ctx = Parameters<typeof applyReportedFiles>[0]

/** `report_works`' loop before the batching: every added replica goes into both lists at once. */
function applyFileByFile(ctx: Ctx, by: Reporting, added: readonly ReportedFile[], deleted: readonly ReportedFile[]): ReportedFilesOutcome {
  const { reporter, owner, anchor } = by
  let addedSpower = 0n
  let addedCount = 0
  for (const [cid, size, block] of added) {
    const credited = upsertReplica(ctx, { reporter, owner, cid, fileSize: size, validAt: Number(block), anchor })
    addedSpower += credited
    if (credited > 0n || fileExists(ctx.state, cid)) addedCount++
  }
  let deletedSpower = 0n
  for (const [cid] of deleted) deletedSpower += deleteReplica(ctx, { reporter, owner, cid, anchor })
  return { addedSpower, addedCount, deletedSpower }
}

const FILES = 40
/** Files 0..FILES-1 are ordered (some without replicas); higher indexes name unknown files. */
const cidOf = (i: number) => new TextEncoder().encode(`QmReportedFile${String(i).padStart(4, '0')}`)
const bytesOf = (n: number, fill: number) => new Uint8Array(n).fill(fill)
/** Three reporters, each with its own sWorker; a step puts its reporter in one group or not. */
const REPORTERS = [0x11, 0x12, 0x13].map((n, r) => ({ reporter: bytesOf(32, n), anchor: bytesOf(64, 0xa1 + r) }))
const GROUP_OWNER = bytesOf(32, 0x1f)
/**
 * A reporter that joins or leaves the group between reports has its files' replicas kept under a
 * new owner: a file its sWorker lists already gets another replica and is not listed twice.
 */
const reporting = (r: number, inGroup: boolean): Reporting => ({ ...REPORTERS[r]!, owner: inGroup ? GROUP_OWNER : REPORTERS[r]!.reporter })

interface FileSeed {
  seedReplicas: number
  fileSize: bigint
  amount: bigint
  remaining: number
  pending: boolean
}
const fileArb: fc.Arbitrary<FileSeed> = fc.record({
  seedReplicas: fc.integer({ min: 0, max: 3 }),
  /** The ordered size; reports say 1 MiB, so a smaller order makes a first report illegal. */
  fileSize: fc.constantFrom(1_048_576n, 2_000_000n, 1000n),
  amount: fc.bigInt({ min: 0n, max: 1n << 80n }),
  remaining: fc.integer({ min: 0, max: 4 }),
  pending: fc.boolean(),
})
const fileIndex = fc.integer({ min: 0, max: FILES + 4 })
const stepArb = fc.record({
  reporter: fc.integer({ min: 0, max: REPORTERS.length - 1 }),
  inGroup: fc.boolean(),
  blocksLater: fc.integer({ min: 0, max: 2 }),
  added: fc.array(fc.tuple(fileIndex, fc.integer({ min: 0, max: 4 })), { maxLength: 60 }),
  deleted: fc.array(fileIndex, { maxLength: 12 }),
})

describe('market: a work report’s files, list appends batched', () => {
  it('property: same outcomes, events and writes byte for byte as file by file, over random report sequences', async () => {
    await cryptoWaitReady()
    const h = await RuntimeHarness.create()
    h.startBlock()
    const start = 1000
    fc.assert(
      fc.property(
        fc.record({
          files: fc.array(fileArb, { minLength: FILES, maxLength: FILES }),
          // Files already in each sWorker's list and in the ripening queue: around page boundaries.
          listed: fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 230, max: 260 })), { minLength: 3, maxLength: 3 }),
          queued: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 40, max: 70 }), fc.integer({ min: 120, max: 130 })),
          cursor: fc.integer({ min: start - 2, max: start + 3 }),
          ready: fc.integer({ min: 1, max: 4 }),
          collateral: fc.bigInt({ min: 0n, max: 1n << 90n }),
          steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }),
        }),
        (c) => {
          const base = layer(h.state)
          seed(base.state, c, start)
          const run = (apply: typeof applyFileByFile) => {
            const l = layer(base.state)
            const events: unknown[] = []
            const outcomes: ReportedFilesOutcome[] = []
            let blockNumber = start
            for (const step of c.steps) {
              blockNumber += step.blocksLater
              const ctx = { state: l.state, config: h.runtime.config, blockNumber, deposit: (...e: unknown[]) => void events.push(e) }
              const added = step.added.map(([i, age]): ReportedFile => [cidOf(i), 1_048_576n, BigInt(blockNumber - age)])
              const deleted = step.deleted.map((i): ReportedFile => [cidOf(i), 1_048_576n, BigInt(blockNumber)])
              outcomes.push(apply(ctx, reporting(step.reporter, step.inGroup), added, deleted))
            }
            return { outcomes, events, writes: l.dump() }
          }
          const batched = run(applyReportedFiles)
          const oneByOne = run(applyFileByFile)
          assert.deepEqual(batched.outcomes, oneByOne.outcomes)
          assert.deepEqual(batched.events, oneByOne.events)
          assert.deepEqual(batched.writes, oneByOne.writes)
        },
      ),
      { numRuns: 60 },
    )
  })
})

/** The starting state of a case: orders, collateral, work reports, and lists near their page ends. */
function seed(
  state: StorageAccess,
  c: { files: FileSeed[]; listed: number[]; queued: number; cursor: number; ready: number; collateral: bigint },
  now: number,
): void {
  S.SpowerReadyPeriod.put(state, c.ready)
  // Pays out what the files reported larger than ordered are worth.
  endowAtGenesis(state, STORAGE_POT, 1n << 100n)
  S.RipeningCursor.put(state, c.cursor)
  c.files.forEach((f, i) => {
    const replicas: Array<[Uint8Array, Replica]> = Array.from({ length: f.seedReplicas }, (_, r) => [
      bytesOf(32, 0x80 + r),
      { who: bytesOf(32, 0x80 + r), valid_at: now - 10, anchor: bytesOf(64, 0xb0 + r), is_reported: true, created_at: r === 0 ? undefined : now - r },
    ])
    S.FilesV2.insert(state, cidOf(i), {
      file_size: f.fileSize,
      spower: calculateSpower(f.fileSize, f.seedReplicas),
      expired_at: f.pending ? 0 : now + 500,
      calculated_at: now - 1,
      amount: f.amount,
      prepaid: 0n,
      reported_replica_count: f.seedReplicas,
      remaining_paid_count: f.remaining,
      replicas,
    })
  })
  const workReport = {
    report_slot: 0n,
    spower: 1n << 40n,
    free: 0n,
    reported_files_size: 0n,
    reported_srd_root: new Uint8Array(),
    reported_files_root: new Uint8Array(),
  }
  for (let r = 0; r < 4; r++) WorkReports.insert(state, bytesOf(64, 0xb0 + r), workReport)
  for (const owner of [GROUP_OWNER, ...REPORTERS.map(({ reporter }) => reporter)]) {
    MarketBenefits.insert(state, owner, {
      total_funds: c.collateral,
      active_funds: c.collateral,
      used_fee_reduction_quota: 0n,
      file_reward: 0n,
      refreshed_at: 0,
      unlocking_funds: [],
    })
  }
  REPORTERS.forEach(({ anchor }, r) => {
    WorkReports.insert(state, anchor, workReport)
    for (let i = 0; i < c.listed[r]!; i++) trackReplica(state, anchor, new TextEncoder().encode(`QmListedBefore${r}-${i}`))
  })
  for (let i = 0; i < c.queued; i++) queueRipening(state, new TextEncoder().encode(`QmQueuedBefore${i}`), now)
}
