/** The market pallet's rules with Crust's numbers, on the real runtime (harness, no network). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { createHash } from 'node:crypto'
import { base58Encode, cryptoWaitReady } from '@polkadot/util-crypto'
import { Account } from '../src/pallets/system.js'
import {
  calculateSpower,
  deleteReplica,
  fileFee,
  MarketStorage as S,
  RESERVED_POT,
  STAKING_POT,
  STORAGE_POT,
  upsertReplica,
} from '../src/pallets/market/index.js'
import { perbillMul } from '../src/pallets/market/math.js'
import { updateBaseFee, updateByteFee, updateKeysCountFee } from '../src/pallets/market/pricing.js'
import { u128 } from '../src/primitives/codec/scale-type.js'
import { valueWithDefault } from '../src/frame/storage.js'
import { RuntimeHarness, ROOT, signed } from './fixtures/runtime-harness.js'

const CID = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
const MIB = 1_048_576n
const GIB = 1024n * MIB

async function setup() {
  await cryptoWaitReady()
  const h = await RuntimeHarness.create()
  const keyring = new Keyring({ type: 'sr25519' })
  const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u).publicKey)
  return { h, alice: alice!, bob: bob!, charlie: charlie! }
}

const free = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data.free
const ctxOf = (h: RuntimeHarness) => ({ state: h.state, config: h.runtime.config, blockNumber: h.number, deposit: () => {} })

describe('market', () => {
  it('behavior: the fee for 1 GiB at the initial prices is 1024 × 10_000 + 1_000_000', async () => {
    const { h } = await setup()
    assert.deepEqual(fileFee(h.state, GIB), { baseFee: 0n, amount: 11_240_000n })
    // A partial MiB is charged as a whole one.
    assert.equal(fileFee(h.state, MIB + 1n).amount, 2n * 10_000n + 1_000_000n)
  })

  it('behavior: an order splits 72 % to staking, 18 % + tips to storage, the rest and the base fee to reserved', async () => {
    const { h, alice } = await setup()
    h.startBlock()
    h.call(ROOT, 'Market', 'set_base_fee', { base_fee: 5_000n })
    const before = { alice: free(h, alice), stak: free(h, STAKING_POT), stor: free(h, STORAGE_POT), rese: free(h, RESERVED_POT) }
    const tips = 777n
    assert.equal(h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: GIB, tips, memo: new Uint8Array() }), undefined)
    const value = 11_240_000n
    const staking = perbillMul(720_000_000, value)
    const storage = perbillMul(180_000_000, value)
    assert.equal(free(h, STAKING_POT) - before.stak, staking)
    assert.equal(free(h, STORAGE_POT) - before.stor, storage + tips)
    assert.equal(free(h, RESERVED_POT) - before.rese, value + 5_000n - staking - storage)
    assert.equal(before.alice - free(h, alice), value + 5_000n + tips)
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.expired_at, 0, 'pending until a replica is reported')
    assert.equal(file.amount, storage + tips)
    assert.equal(file.remaining_paid_count, 4)
    assert.equal(S.FileKeysCount.get(h.state), 1)
    const events = h.endBlock().map((e) => `${e.section}.${e.method}`)
    assert.ok(events.includes('market.FileSuccess'))
  })

  it('error: bad orders are refused with Crust errors and change nothing', async () => {
    const { h, alice } = await setup()
    h.startBlock()
    const order = (cid: Uint8Array, size: bigint) =>
      h.call(signed(alice), 'Market', 'place_storage_order', { cid, reported_file_size: size, tips: 0n, memo: new Uint8Array() })
    const errorName = (err: ReturnType<typeof order>) =>
      err?.tag === 'Module'
        ? h.runtime.registry.findMetaError(err.value.error.length ? Uint8Array.of(err.value.index, err.value.error[0]!) : new Uint8Array()).name
        : err?.tag
    assert.equal(errorName(order(CID, 8n * GIB)), 'FileTooLarge')
    assert.equal(errorName(order(new TextEncoder().encode('not a cid'), MIB)), 'IllegalCid')
    assert.equal(errorName(order(CID, 0n)), 'FileSizeZero')
    assert.equal(S.FileKeysCount.get(h.state), 0)
    h.call(ROOT, 'Market', 'set_enable_market', { is_enabled: false })
    assert.equal(errorName(order(CID, MIB)), 'PlaceOrderNotAvailable')
  })

  it('behavior: the first replica starts the period; deleting it lowers the count', async () => {
    const { h, alice, bob } = await setup()
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const anchor = new Uint8Array(64).fill(7)
    const credited = upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 900n, validAt: h.number, anchor })
    assert.equal(credited, 900n, 'a smaller real size lowers the file size')
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.file_size, 900n)
    assert.equal(file.reported_replica_count, 1)
    assert.equal(file.expired_at, h.number + h.runtime.config.fileDuration)
    assert.equal(file.spower, calculateSpower(900n, 1))
    assert.equal(upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 900n, validAt: h.number, anchor }), 0n, 'one replica per owner')
    assert.equal(deleteReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, anchor }), 900n)
    assert.equal(S.FilesV2.get(h.state, CID)!.reported_replica_count, 0)
  })

  it('behavior: a first report larger than ordered closes the file as illegal', async () => {
    const { h, alice, bob } = await setup()
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const reserved = free(h, RESERVED_POT)
    const amount = S.FilesV2.get(h.state, CID)!.amount
    assert.equal(upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 2000n, validAt: h.number, anchor: new Uint8Array(64) }), 0n)
    assert.equal(S.FilesV2.get(h.state, CID), undefined)
    assert.equal(free(h, RESERVED_POT) - reserved, amount)
  })

  it('behavior: after expiry calculateReward pays the settler, then renews from prepaid or closes', async () => {
    const { h, alice, bob, charlie } = await setup()
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 10_000n, memo: new Uint8Array() })
    upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 1000n, validAt: h.number, anchor: new Uint8Array(64) })
    const expiry = S.FilesV2.get(h.state, CID)!.expired_at
    h.endBlock()
    h.startBlock()
    const early = h.call(signed(charlie), 'Market', 'calculate_reward', { cid: CID })
    assert.equal(early, undefined)
    assert.equal(S.FilesV2.get(h.state, CID)!.expired_at, expiry, 'nothing to settle before expiry')
    h.call(signed(alice), 'Market', 'add_prepaid', { cid: CID, amount: 5_000_000n })
    h.runTo(expiry)
    h.startBlock()
    const remaining = S.FilesV2.get(h.state, CID)!.amount
    const charlieBefore = free(h, charlie)
    assert.equal(h.call(signed(charlie), 'Market', 'calculate_reward', { cid: CID }), undefined)
    assert.equal(free(h, charlie) - charlieBefore, remaining, 'the settler takes the remaining amount')
    const renewed = S.FilesV2.get(h.state, CID)!
    assert.equal(renewed.expired_at, h.number + h.runtime.config.fileDuration)
    const price = fileFee(h.state, 1000n)
    assert.equal(renewed.prepaid, 5_000_000n - price.baseFee - price.amount)
    assert.ok(h.endBlock().some((e) => e.method === 'RenewFileSuccess'))
    // No prepaid left for another period: the next settlement closes the file.
    h.runTo(renewed.expired_at)
    h.startBlock()
    S.FilesV2.insert(h.state, CID, { ...S.FilesV2.get(h.state, CID)!, prepaid: 1n })
    h.call(signed(charlie), 'Market', 'calculate_reward', { cid: CID })
    assert.equal(S.FilesV2.get(h.state, CID), undefined)
    assert.ok(h.endBlock().some((e) => e.method === 'FileClosed'))
  })

  it('behavior: calculateReward on a pending file is NotInRewardPeriod', async () => {
    const { h, alice } = await setup()
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const err = h.call(signed(alice), 'Market', 'calculate_reward', { cid: CID })
    assert.equal(err?.tag, 'Module')
  })

  it('behavior: spower follows the replica table', () => {
    assert.equal(calculateSpower(1000n, 0), 1000n)
    assert.equal(calculateSpower(1000n, 1), 1100n)
    assert.equal(calculateSpower(1000n, 8), 1100n)
    assert.equal(calculateSpower(1000n, 9), 2000n)
    assert.equal(calculateSpower(1000n, 24), 4000n)
    assert.equal(calculateSpower(1000n, 56), 50_000n)
    assert.equal(calculateSpower(1000n, 157), 190_000n)
    assert.equal(calculateSpower(1000n, 158), 200_000n)
  })

  it('behavior: price controllers move by Crust ratios and clamp', async () => {
    const { h } = await setup()
    const state = h.state
    const ReportedFilesSize = valueWithDefault({ pallet: 'Swork', name: 'ReportedFilesSize', value: u128, default: 0n })
    const Free = valueWithDefault({ pallet: 'Swork', name: 'Free', value: u128, default: 0n })
    // Less than half the space used: the byte fee falls by 0.3 %.
    ReportedFilesSize.put(state, 10n)
    Free.put(state, 90n)
    updateByteFee({ state })
    assert.equal(S.FileByteFee.get(state), 10_000n - 30n)
    // More than half used: it rises by 0.33 % (at least 1).
    ReportedFilesSize.put(state, 90n)
    Free.put(state, 10n)
    updateByteFee({ state })
    assert.equal(S.FileByteFee.get(state), 9_970n + perbillMul(3_300_000, 9_970n))
    // Few files: the keys-count fee falls.
    updateKeysCountFee({ state })
    assert.equal(S.FileKeysCountFee.get(state), 1_000_000n - 3_000n)
    // No orders: the base fee falls (from 0 it stays 0). Few replicas per order: it rises by
    // ratio × fee with no floor (cstrml/market/src/lib.rs:1491-1496, `gap = ratio * file_base_fee`):
    // 0 stays 0, 0.33 % of 100 (0.33) rounds to 0, 0.33 % of 1000 is 3.
    updateBaseFee({ state })
    assert.equal(S.FileBaseFee.get(state), 0n)
    S.OrdersCount.put(state, 10)
    updateBaseFee({ state })
    assert.equal(S.FileBaseFee.get(state), 0n)
    S.FileBaseFee.put(state, 100n)
    S.OrdersCount.put(state, 10)
    updateBaseFee({ state })
    assert.equal(S.FileBaseFee.get(state), 100n)
    S.FileBaseFee.put(state, 1000n)
    S.OrdersCount.put(state, 10)
    updateBaseFee({ state })
    assert.equal(S.FileBaseFee.get(state), 1003n)
    S.FileBaseFee.put(state, S.MaxFileBaseFee.get(state))
    S.OrdersCount.put(state, 1)
    updateBaseFee({ state })
    assert.equal(S.FileBaseFee.get(state), S.MaxFileBaseFee.get(state), 'clamped to the maximum')
  })

  it('behavior: on_initialize adjusts prices at Crust offsets of the report slot', async () => {
    const { h, alice } = await setup()
    const slot = h.runtime.config.reportSlot
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    h.endBlock()
    h.runTo(slot - 4)
    assert.equal(S.FileByteFee.get(h.state), 10_000n)
    h.runTo(slot - 3)
    assert.equal(S.FileByteFee.get(h.state), 10_000n - 30n, 'byte fee moved at slot - 3')
    assert.equal(S.HasNewOrder.get(h.state), false)
    h.runTo(slot * 2 - 3)
    assert.equal(S.FileByteFee.get(h.state), 10_000n - 30n, 'no new order: no byte fee change')
  })
})

describe('market rewards with collateral', () => {
  it('behavior: the first 4 distinct owners are paid 2.5/18, 2.5/15.5, ... of the remaining amount, only while collateral covers it', async () => {
    const { h, alice } = await setup()
    const keyring = new Keyring({ type: 'sr25519' })
    const owners = ['//M1', '//M2', '//M3', '//M4', '//M5'].map((u) => keyring.addFromUri(u).publicKey)
    h.startBlock()
    for (const o of owners) h.call(ROOT, 'Balances', 'force_set_balance', { who: { tag: 'Id', value: o }, new_free: 10n ** 15n })
    // M1..M4 put up collateral; M5 does not.
    for (const o of owners.slice(0, 4))
      assert.equal(h.call(signed(o), 'Benefits', 'add_benefit_funds', { value: 10n ** 12n, funds_type: { tag: 'MARKET', value: undefined } }), undefined)
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: GIB, tips: 10n ** 9n, memo: new Uint8Array() })
    const original = S.FilesV2.get(h.state, CID)!.amount
    const anchor = new Uint8Array(64)
    // M5 reports first: replica recorded, not paid, paid count unchanged.
    upsertReplica(ctxOf(h), { reporter: owners[4]!, owner: owners[4]!, cid: CID, fileSize: GIB, validAt: h.number, anchor })
    assert.equal(S.FilesV2.get(h.state, CID)!.remaining_paid_count, 4)
    const rewards: bigint[] = []
    for (const o of owners.slice(0, 4)) {
      const before = S.FilesV2.get(h.state, CID)!.amount
      upsertReplica(ctxOf(h), { reporter: o, owner: o, cid: CID, fileSize: GIB, validAt: h.number, anchor })
      rewards.push(before - S.FilesV2.get(h.state, CID)!.amount)
    }
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.remaining_paid_count, 0)
    assert.equal(file.reported_replica_count, 5)
    // Successive fractions of what remains: each owner gets about 2.5/18 of the original amount.
    let remaining = original
    for (const [i, parts] of [138_888_888, 161_290_320, 192_307_690, 238_095_240].entries()) {
      const expected = perbillMul(parts, remaining)
      assert.equal(rewards[i], expected)
      remaining -= expected
      const share = Number(expected) / Number(original)
      assert.ok(Math.abs(share - 2.5 / 18) < 1e-6, `share ${share}`)
    }
    // The merchant claims the accrued reward from the storage pot.
    const m1Before = free(h, owners[0]!)
    assert.equal(h.call(signed(owners[0]!), 'Market', 'reward_merchant'), undefined)
    assert.equal(free(h, owners[0]!) - m1Before, rewards[0])
    assert.notEqual(h.call(signed(owners[0]!), 'Market', 'reward_merchant'), undefined, 'NotEnoughReward once claimed')
  })
})

describe('market spower ripening', () => {
  it('behavior: a replica counts the file size until SpowerReadyPeriod, then the replica-scaled spower', async () => {
    const { WorkReports } = await import('../src/pallets/swork/index.js')
    const { h, alice, bob, charlie } = await setup()
    h.startBlock()
    h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice })
    h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 })
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const anchorB = new Uint8Array(64).fill(1)
    const anchorC = new Uint8Array(64).fill(2)
    const wr = (spower: bigint) => ({
      report_slot: 0n,
      spower,
      free: 0n,
      reported_files_size: 0n,
      reported_srd_root: new Uint8Array(),
      reported_files_root: new Uint8Array(),
    })
    // The work reports already hold the file size swork credited for each replica.
    WorkReports.insert(h.state, anchorB, wr(1000n))
    WorkReports.insert(h.state, anchorC, wr(1000n))
    upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 1000n, validAt: h.number, anchor: anchorB })
    h.endBlock()
    h.runTo(h.number + 6)
    h.startBlock()
    // Charlie's replica makes the count 2; Bob's has ripened and moves to the file's spower (1.1×).
    upsertReplica(ctxOf(h), { reporter: charlie, owner: charlie, cid: CID, fileSize: 1000n, validAt: h.number, anchor: anchorC })
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.spower, 1100n)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1100n)
    assert.equal(WorkReports.get(h.state, anchorC)!.spower, 1000n, 'the new replica still ripens')
    const bobReplica = file.replicas.find(([owner]) => Buffer.from(owner).equals(Buffer.from(bob)))![1]
    assert.equal(bobReplica.created_at, undefined)
  })
})

const wrWith = (spower: bigint) => ({
  report_slot: 0n,
  spower,
  free: 0n,
  reported_files_size: 0n,
  reported_srd_root: new Uint8Array(),
  reported_files_root: new Uint8Array(),
})

describe('market spower superior and ripening without activity', () => {
  const errorName = (h: RuntimeHarness, err: ReturnType<RuntimeHarness['call']>) =>
    err?.tag === 'Module' ? h.runtime.registry.findMetaError(Uint8Array.of(err.value.index, err.value.error[0]!)).name : err?.tag

  // cstrml/market/src/lib.rs:534-541 (set_spower_superior: root), 649-664 (set_spower_ready_period:
  // signed by the superior, SpowerSuperiorNotSet / IllegalSpowerSuperior otherwise).
  it('error: set_spower_ready_period needs the spower superior, set by root', async () => {
    const { h, alice, bob } = await setup()
    h.startBlock()
    assert.equal(errorName(h, h.call(ROOT, 'Market', 'set_spower_ready_period', { ready_period: 5 })), 'BadOrigin')
    assert.equal(errorName(h, h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 })), 'SpowerSuperiorNotSet')
    assert.equal(errorName(h, h.call(signed(alice), 'Market', 'set_spower_superior', { superior: alice })), 'BadOrigin')
    assert.equal(h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice }), undefined)
    assert.equal(errorName(h, h.call(signed(bob), 'Market', 'set_spower_ready_period', { ready_period: 5 })), 'IllegalSpowerSuperior')
    assert.equal(h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 }), undefined)
    assert.equal(S.SpowerReadyPeriod.get(h.state), 5)
    const events = h.endBlock().map((e) => `${e.section}.${e.method}`)
    assert.ok(events.includes('market.SetSpowerSuperiorSuccess'))
    assert.ok(events.includes('market.SetSpowerReadyPeriodSuccess'))
  })

  // Crust's ripening rule (cstrml/market/src/lib.rs:1240-1256): once created_at + SpowerReadyPeriod
  // <= now, a replica's contribution moves from file_size to the file's spower (1000 bytes, 1 replica:
  // 1.1× = 1100 by the HEAD table, lib.rs calculate_spower). Crust needs its superior's
  // calculate_spowers for that; our sweep does it with no call at all.
  it('behavior: an untouched file ripens from 1× to its table multiple after the ready period, with no call', async () => {
    const { WorkReports } = await import('../src/pallets/swork/index.js')
    const { h, alice, bob } = await setup()
    h.startBlock()
    h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice })
    h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 })
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const anchorB = new Uint8Array(64).fill(1)
    WorkReports.insert(h.state, anchorB, wrWith(1000n))
    const createdAt = h.number
    upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 1000n, validAt: createdAt, anchor: anchorB })
    h.endBlock()
    h.runTo(createdAt + 4)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1000n, 'still ripening one block before the ready period ends')
    assert.equal(S.FilesV2.get(h.state, CID)!.replicas[0]![1].created_at, createdAt)
    h.runTo(createdAt + 5)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1100n)
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.spower, 1100n)
    assert.equal(file.replicas[0]![1].created_at, undefined)
    h.runTo(createdAt + 20)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1100n, 'ripened once')
  })

  it('behavior: 600 replicas added in one block and 100 files queued by an older runtime all ripen after the ready period, at most RIPEN_FILES_PER_BLOCK a block, leaving no queue behind', async () => {
    const { WorkReports } = await import('../src/pallets/swork/index.js')
    const { RIPEN_FILES_PER_BLOCK } = await import('../src/pallets/market/constants.js')
    const { h, alice, bob } = await setup()
    h.startBlock()
    h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice })
    h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 5 })
    const cids = Array.from({ length: 700 }, (_, i) =>
      new TextEncoder().encode(base58Encode(Uint8Array.of(0x12, 0x20, ...createHash('sha256').update(`ripen${i}`).digest()))),
    )
    for (const cid of cids)
      assert.equal(h.call(signed(alice), 'Market', 'place_storage_order', { cid, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() }), undefined)
    const anchorB = new Uint8Array(64).fill(1)
    WorkReports.insert(h.state, anchorB, wrWith(700n * 1000n))
    const createdAt = h.number
    const add = (cid: Uint8Array) => upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid, fileSize: 1000n, validAt: createdAt, anchor: anchorB })
    // The last 100 as a runtime before spec 13 queued them: one Vec under the block.
    for (const cid of cids.slice(600)) add(cid)
    const legacyPages = Array.from({ length: Math.ceil(100 / S.RIPENING_PAGE) }, (_, page) => page)
    S.RipeningQueue.insert(
      h.state,
      createdAt,
      legacyPages.flatMap((page) => S.RipeningPages.get(h.state, createdAt, page)),
    )
    for (const page of legacyPages) S.RipeningPages.remove(h.state, createdAt, page)
    S.RipeningCount.remove(h.state, createdAt)
    assert.equal(S.RipeningQueue.get(h.state, createdAt).length, 100)
    for (const cid of cids.slice(0, 600)) add(cid)
    assert.equal(S.RipeningCount.get(h.state, createdAt), 600)
    const pages = Math.ceil(600 / S.RIPENING_PAGE)
    assert.deepEqual(
      Array.from({ length: pages + 1 }, (_, page) => S.RipeningPages.get(h.state, createdAt, page).length),
      [...Array.from({ length: pages - 1 }, () => S.RIPENING_PAGE), 600 - (pages - 1) * S.RIPENING_PAGE, 0],
    )
    h.endBlock()
    const ripe = () => cids.filter((cid) => S.FilesV2.get(h.state, cid)!.replicas[0]![1].created_at === undefined).length
    h.runTo(createdAt + 4)
    assert.equal(ripe(), 0)
    const perBlock: number[] = []
    for (let n = createdAt + 5, before = 0; before < cids.length; n++) {
      assert.ok(n < createdAt + 30, 'every file ripens within 25 blocks')
      h.runTo(n)
      const now = ripe()
      perBlock.push(now - before)
      before = now
    }
    assert.ok(
      perBlock.every((k) => k <= RIPEN_FILES_PER_BLOCK),
      `at most ${RIPEN_FILES_PER_BLOCK} a block: ${perBlock}`,
    )
    assert.equal(perBlock[0], RIPEN_FILES_PER_BLOCK)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 700n * 1100n, 'each file moved from 1× to 1.1× once')
    assert.deepEqual(S.RipeningQueue.get(h.state, createdAt), [])
    assert.equal(S.RipeningCount.get(h.state, createdAt), 0)
    assert.deepEqual(
      Array.from({ length: pages }, (_, page) => S.RipeningPages.get(h.state, createdAt, page).length),
      Array.from({ length: pages }, () => 0),
    )
    assert.equal(S.RipeningOffset.get(h.state), 0)
  })

  // cstrml/market/src/lib.rs:611-646: calculate_spowers by the superior, at most 300 cids
  // (ExceedCalculateSpowerFilesLimit), Pays::No, event CalculateSpowersSuccess(caller, bn, sworkers, files).
  it('behavior: calculate_spowers by the superior ripens the named files at once; more than 300 are refused', async () => {
    const { WorkReports } = await import('../src/pallets/swork/index.js')
    const { h, alice, bob } = await setup()
    h.startBlock()
    h.call(ROOT, 'Market', 'set_spower_superior', { superior: alice })
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const anchorB = new Uint8Array(64).fill(1)
    WorkReports.insert(h.state, anchorB, wrWith(1000n))
    upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 1000n, validAt: h.number, anchor: anchorB })
    h.endBlock()
    h.runTo(h.number + 3)
    h.startBlock()
    // The default ready period (90 days) has not passed: nothing changes.
    assert.equal(h.call(signed(alice), 'Market', 'calculate_spowers', { cids: [CID] }), undefined)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1000n)
    assert.equal(h.call(signed(alice), 'Market', 'set_spower_ready_period', { ready_period: 1 }), undefined)
    assert.equal(errorName(h, h.call(signed(bob), 'Market', 'calculate_spowers', { cids: [CID] })), 'IllegalSpowerSuperior')
    assert.equal(errorName(h, h.call(signed(alice), 'Market', 'calculate_spowers', { cids: new Array(301).fill(CID) })), 'ExceedCalculateSpowerFilesLimit')
    assert.equal(h.call(signed(alice), 'Market', 'calculate_spowers', { cids: [CID] }), undefined)
    assert.equal(WorkReports.get(h.state, anchorB)!.spower, 1100n)
    const calculated = h.endBlock().filter((e) => e.method === 'CalculateSpowersSuccess')
    assert.equal(calculated.length, 2)
    assert.deepEqual(calculated[1]!.data.slice(2).map(String), ['1', '1'], 'one sWorker and one file changed')
    assert.equal(S.LastSpowerCalculateBlock.get(h.state), h.number)
  })
})

describe('market replica counts follow replicas', () => {
  // Crust HEAD changes `reported_replica_count` and `is_reported` only when a replica is added or
  // deleted (cstrml/market/src/lib.rs:1157-1231 upsert_replica / delete_replica); calculate_reward
  // (lib.rs:667-696) and the hourly workload check leave them alone.
  it('behavior: a replica whose sWorker stopped reporting still counts after aggregations and calculate_reward', async () => {
    const { Identities, ReportedInSlot } = await import('../src/pallets/swork/index.js')
    const { h, alice, bob, charlie } = await setup()
    const slot = h.runtime.config.reportSlot
    h.startBlock()
    h.call(signed(alice), 'Market', 'place_storage_order', { cid: CID, reported_file_size: 1000n, tips: 0n, memo: new Uint8Array() })
    const anchorB = new Uint8Array(64).fill(1)
    const anchorC = new Uint8Array(64).fill(2)
    Identities.insert(h.state, bob, { anchor: anchorB, punishment_deadline: 0n, group: undefined })
    Identities.insert(h.state, charlie, { anchor: anchorC, punishment_deadline: 0n, group: undefined })
    upsertReplica(ctxOf(h), { reporter: bob, owner: bob, cid: CID, fileSize: 1000n, validAt: h.number, anchor: anchorB })
    upsertReplica(ctxOf(h), { reporter: charlie, owner: charlie, cid: CID, fileSize: 1000n, validAt: h.number, anchor: anchorC })
    assert.equal(S.FilesV2.get(h.state, CID)!.reported_replica_count, 2)
    h.endBlock()
    // Only Bob's sWorker reports; two workload aggregations pass.
    ReportedInSlot.insert(h.state, anchorB, BigInt(slot), true)
    ReportedInSlot.insert(h.state, anchorB, BigInt(slot * 2), true)
    h.runTo(slot * 3 + 1)
    h.startBlock()
    assert.equal(h.call(signed(alice), 'Market', 'calculate_reward', { cid: CID }), undefined)
    h.endBlock()
    const file = S.FilesV2.get(h.state, CID)!
    assert.equal(file.reported_replica_count, 2)
    assert.deepEqual(
      file.replicas.map(([, r]) => r.is_reported),
      [true, true],
    )
    assert.equal(file.spower, calculateSpower(1000n, 2))
  })
})
