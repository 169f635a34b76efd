/** sWork workload aggregation: per-owner workload for staking, missed-slot punishment, bounded work per block. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CurrentReportSlot,
  Free,
  IdentityCursor,
  IDENTITY_UPDATE_LENGTH,
  Identities,
  putIdentity,
  ReportedFilesSize,
  ReportedInSlot,
  Spower,
  takeWorkload,
  updateOffset,
  updateSpower,
  Workload,
  WorkloadPageCount,
  WorkloadPages,
  WorkReports,
} from '../src/pallets/swork/index.js'
import { sworkOnInitialize } from '../src/pallets/swork/workload.js'
import type { StorageAccess } from '../src/frame/storage.js'
import { ROOT, signed, type RuntimeHarness } from './fixtures/runtime-harness.js'
import { account, newReporter, openBlock, reportNow, sworkEvents, sworkHarness } from './fixtures/swork-env.js'
import type { SworkerSim } from './fixtures/sworker-sim.js'

const SOLO = account(1)
const MEMBER = account(2)
const OWNER = account(3)
const SLOT = 60 // the dev spec's report slot
const hex = (a: Uint8Array) => Buffer.from(a).toString('hex')

/** Per-owner workload of the hand-off, by hex account. */
function handOff(h: RuntimeHarness): { owners: Map<string, bigint>; total: bigint } | undefined {
  const w = takeWorkload(h.state)
  return w === undefined ? undefined : { owners: new Map(w.workload.map(([o, v]) => [hex(o), v])), total: w.totalWorkload }
}

/** SOLO alone (srd 100, spower 5) and MEMBER in OWNER's group (srd 1000, spower 50), first reports in slot 0. */
async function twoNodes(punishmentSlots = 8): Promise<{ h: RuntimeHarness; solo: SworkerSim; member: SworkerSim }> {
  const h = await sworkHarness({ punishmentSlots })
  openBlock(h, 2)
  const solo = newReporter(h, SOLO, { reported_srd_size: 100n })
  const member = newReporter(h, MEMBER, { reported_srd_size: 1000n, reported_files_size: 0n })
  assert.equal(h.call(signed(OWNER), 'Swork', 'create_group'), undefined)
  assert.equal(h.call(signed(OWNER), 'Swork', 'add_member_into_allowlist', { target: { tag: 'Id', value: MEMBER } }), undefined)
  assert.equal(h.call(signed(MEMBER), 'Swork', 'join_group', { target: { tag: 'Id', value: OWNER } }), undefined)
  // Spower comes from market replicas; credit it directly.
  updateSpower(h.state, solo.pubkey, 0n, 5n)
  updateSpower(h.state, member.pubkey, 0n, 50n)
  return { h, solo, member }
}

describe('swork: workload aggregation', () => {
  it('behavior: at the slot offset the workload is summed per owner, totals written and handed to staking', async () => {
    const { h, solo, member } = await twoNodes()
    assert.equal(updateOffset(SLOT), 10)
    openBlock(h, 49)
    assert.equal(IdentityCursor.get(h.state), undefined)
    openBlock(h, 50)
    // Two identities: the walk ends in its first block; totals are written in the next.
    assert.equal(IdentityCursor.get(h.state), undefined)
    assert.deepEqual(Workload.get(h.state)?.slice(1), [1100n, 55n, 0n])
    assert.equal(takeWorkload(h.state), undefined)
    openBlock(h, 51)
    assert.equal(Workload.get(h.state), undefined)
    assert.equal(Free.get(h.state), 1100n)
    assert.equal(Spower.get(h.state), 55n)
    assert.equal(ReportedFilesSize.get(h.state), 0n)
    assert.equal(CurrentReportSlot.get(h.state), 0n)
    const w = handOff(h)!
    assert.deepEqual(
      w.owners,
      new Map([
        [hex(SOLO), 105n],
        [hex(OWNER), 1050n],
      ]),
    )
    assert.equal(w.total, 1155n)
    assert.equal(handOff(h), undefined)
    // The first check was the new identities' grace.
    assert.equal(Identities.get(h.state, SOLO)!.punishment_deadline, 0n)
    assert.equal(Identities.get(h.state, MEMBER)!.punishment_deadline, 0n)
    assert.ok(WorkReports.get(h.state, solo.pubkey) && WorkReports.get(h.state, member.pubkey))
  })

  /** The owner's hand-off for checks 1..`checks`, with MEMBER missing slot 60 only. */
  async function missOneSlot(punishmentSlots: number, checks: number) {
    const { h, solo, member } = await twoNodes(punishmentSlots)
    const ownerWorkload: bigint[] = []
    const frees: bigint[] = []
    for (let k = 1; k <= checks; k++) {
      openBlock(h, k * SLOT + 2)
      assert.equal(reportNow(h, SOLO, solo, { reported_srd_size: 100n }), undefined)
      if (k !== 1) assert.equal(reportNow(h, MEMBER, member, { reported_srd_size: 1000n }), undefined)
      openBlock(h, k * SLOT + 51)
      ownerWorkload.push(handOff(h)!.owners.get(hex(OWNER)) ?? -1n)
      frees.push(Free.get(h.state))
      assert.equal(CurrentReportSlot.get(h.state), BigInt(k * SLOT))
    }
    return { h, solo, ownerWorkload, frees }
  }

  it('behavior: a missed slot zeroes the node for 8 checks (punishmentSlots), then it counts again', async () => {
    const { h, solo, ownerWorkload, frees } = await missOneSlot(8, 11)
    // Check k looks at slot (k − 1) × 60: slot 60 was missed, so checks 2..9 give nothing.
    assert.deepEqual(ownerWorkload, [1050n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 1050n, 1050n])
    assert.deepEqual(frees, [1100n, 100n, 100n, 100n, 100n, 100n, 100n, 100n, 100n, 1100n, 1100n])
    assert.equal(Identities.get(h.state, MEMBER)!.punishment_deadline, BigInt(SLOT + 8 * SLOT))
    // Report marks older than the history window (6 slots) are removed by the walk.
    assert.equal(ReportedInSlot.get(h.state, solo.pubkey, 0n), false)
    assert.equal(ReportedInSlot.get(h.state, solo.pubkey, 60n), false)
    assert.equal(ReportedInSlot.get(h.state, solo.pubkey, 600n), true)
  })

  it("behavior: the punishment length is the chain spec's punishmentSlots", async () => {
    const { ownerWorkload } = await missOneSlot(2, 5)
    assert.deepEqual(ownerWorkload, [1050n, 0n, 0n, 1050n, 1050n])
  })

  it('behavior: with punishment disabled a node counts exactly when it reported in the checked slot', async () => {
    const { h, solo, member } = await twoNodes()
    openBlock(h, 5)
    assert.equal(h.call(ROOT, 'Swork', 'set_punishment', { is_enabled: false }), undefined)
    assert.deepEqual(
      sworkEvents(h.endBlock()).map((e) => e.method),
      ['SetPunishmentSuccess'],
    )
    const ownerWorkload: bigint[] = []
    for (let k = 1; k <= 4; k++) {
      openBlock(h, k * SLOT + 2)
      assert.equal(reportNow(h, SOLO, solo, { reported_srd_size: 100n }), undefined)
      if (k !== 1) assert.equal(reportNow(h, MEMBER, member, { reported_srd_size: 1000n }), undefined)
      openBlock(h, k * SLOT + 51)
      ownerWorkload.push(handOff(h)!.owners.get(hex(OWNER)) ?? -1n)
    }
    assert.deepEqual(ownerWorkload, [1050n, 0n, 1050n, 1050n])
  })

  it(`behavior: at most ${IDENTITY_UPDATE_LENGTH} identities per block, the cursor persisted in storage`, async () => {
    const h = await sworkHarness()
    const add = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const who = new Uint8Array(32)
        new DataView(who.buffer).setUint32(0, i + 1)
        const anchor = Uint8Array.from(who)
        anchor[31] = 0xaa
        putIdentity(h.state, who, { anchor, punishment_deadline: 0n, group: undefined })
        WorkReports.insert(h.state, anchor, {
          report_slot: 0n,
          spower: 0n,
          free: 1n,
          reported_files_size: 0n,
          reported_srd_root: new Uint8Array(0),
          reported_files_root: new Uint8Array(0),
        })
        ReportedInSlot.insert(h.state, anchor, 0n, true)
      }
    }
    add(0, 1201)
    const cursors: Array<number | undefined> = []
    for (const n of [50, 51, 52]) {
      openBlock(h, n)
      cursors.push(IdentityCursor.get(h.state))
    }
    assert.deepEqual(cursors, [500, 1000, undefined])
    assert.equal(Workload.get(h.state)![1], 1201n)
    openBlock(h, 53)
    assert.equal(handOff(h)!.total, 1201n)
    // Too many to finish: the block before the boundary finalizes what was counted (9 blocks × 500).
    add(1201, 5000)
    openBlock(h, 110)
    assert.equal(IdentityCursor.get(h.state), 500)
    openBlock(h, 118)
    assert.equal(IdentityCursor.get(h.state), 4500)
    assert.equal(handOff(h), undefined)
    openBlock(h, 119)
    assert.equal(IdentityCursor.get(h.state), undefined)
    assert.equal(handOff(h)!.total, 4500n)
    assert.equal(Free.get(h.state), 4500n)
    assert.equal(CurrentReportSlot.get(h.state), 60n)
  })

  /** `count` identities, identity i in the group of owner i % `owners` with free = i + 1, all reported in slot 0. */
  function grouped(h: RuntimeHarness, count: number, owners: number): Map<string, bigint> {
    const expected = new Map<string, bigint>()
    for (let i = 0; i < count; i++) {
      const who = new Uint8Array(32)
      new DataView(who.buffer).setUint32(0, i + 1)
      const owner = new Uint8Array(32).fill(0xee)
      new DataView(owner.buffer).setUint32(4, (i * 7919) % owners)
      const anchor = Uint8Array.from(who)
      anchor[31] = 0xaa
      putIdentity(h.state, who, { anchor, punishment_deadline: 0n, group: owner })
      const free = BigInt(i + 1)
      WorkReports.insert(h.state, anchor, {
        report_slot: 0n,
        spower: 0n,
        free,
        reported_files_size: 0n,
        reported_srd_root: new Uint8Array(0),
        reported_files_root: new Uint8Array(0),
      })
      ReportedInSlot.insert(h.state, anchor, 0n, true)
      expected.set(hex(owner), (expected.get(hex(owner)) ?? 0n) + free)
    }
    return expected
  }

  /** sWork's on_initialize of block `n` on the harness state, recording the largest value it writes. */
  function onInitialize(h: RuntimeHarness, n: number): { writes: number; largestValue: number } {
    const seen = { writes: 0, largestValue: 0 }
    const state: StorageAccess = {
      get: (k) => h.state.get(k),
      set: (k, v) => {
        seen.writes++
        seen.largestValue = Math.max(seen.largestValue, v.length)
        h.state.set(k, v)
      },
      delete: (k) => h.state.delete(k),
    }
    sworkOnInitialize({ state, config: h.runtime.config, blockNumber: n, deposit: () => {} })
    return seen
  }

  it("behavior: an aggregation block writes a few values, none holding more owners than it visited; the hand-off has each owner's sum, in account order", async () => {
    const h = await sworkHarness()
    // Each identity its own owner (7919 is prime to 1500): a value with every owner seen so far would hold up to 1,500.
    const expected = grouped(h, 1500, 1500)
    h.runTo(49)
    const blocks = [50, 51, 52].map((n) => onInitialize(h, n))
    // 500 identities per block (no punishment or slot cleanup due): the cursor, the totals, the page
    // and its count (the first block also starts the aggregation: cursor and totals once more; the
    // last deletes the cursor).
    const ownerEntry = 32 + 16
    assert.deepEqual(
      blocks.map((b) => b.writes),
      [6, 4, 3],
    )
    for (const b of blocks) {
      assert.ok(b.largestValue <= 3 + IDENTITY_UPDATE_LENGTH * ownerEntry, `largest value written ${b.largestValue} bytes`)
    }
    assert.equal(WorkloadPageCount.get(h.state), 3)
    onInitialize(h, 53)
    const w = takeWorkload(h.state)!
    assert.deepEqual(
      w.workload.map(([o, v]) => [hex(o), v]),
      [...expected].sort((a, b) => a[0].localeCompare(b[0])),
    )
    assert.equal(w.totalWorkload, (1500n * 1501n) / 2n)
    assert.equal(WorkloadPageCount.get(h.state), 0)
    assert.deepEqual(
      [0, 1, 2].map((p) => WorkloadPages.get(h.state, p)),
      [undefined, undefined, undefined],
    )
  })

  it('behavior: owners with identities visited in different blocks get one sum in the hand-off', async () => {
    const h = await sworkHarness()
    const expected = grouped(h, 1200, 7)
    h.runTo(49)
    for (const n of [50, 51, 52, 53]) onInitialize(h, n)
    const w = takeWorkload(h.state)!
    assert.deepEqual(
      w.workload.map(([o, v]) => [hex(o), v]),
      [...expected].sort((a, b) => a[0].localeCompare(b[0])),
    )
  })

  it('behavior: owners an earlier runtime left inside Workload are carried into the hand-off', async () => {
    const h = await sworkHarness()
    const expected = grouped(h, 10, 3)
    h.runTo(49)
    onInitialize(h, 50)
    // As if the aggregation had been begun by a runtime that kept the per-owner map in the value.
    const legacy = new Uint8Array(32).fill(0x11)
    const acc = Workload.get(h.state)!
    Workload.put(h.state, [[[legacy, 7n]], acc[1] + 7n, acc[2], acc[3]])
    onInitialize(h, 51)
    const w = takeWorkload(h.state)!
    assert.deepEqual(
      w.workload.map(([o, v]) => [hex(o), v]),
      [...expected, [hex(legacy), 7n] as [string, bigint]].sort((a, b) => a[0].localeCompare(b[0])),
    )
  })
})
