/**
 * Crust's fee model through the runtime (signed extrinsics applied as block production applies
 * them): weight to fee, the TargetedFeeAdjustment multiplier, call weights, what payment_queryInfo
 * reports, and the Benefits fee reduction that only `market.calculate_reward` gets.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import { CRU } from '../src/constants.js'
import { feeInfo } from '../src/node/api/runtime-api.js'
import { TotalIssuance } from '../src/pallets/balances.js'
import { CurrentBenefits, MARKET, MarketBenefits } from '../src/pallets/benefits/index.js'
import { reportWorksWeight } from '../src/pallets/swork/pallet.js'
import { Account } from '../src/pallets/system.js'
import { NextFeeMultiplier, nextFeeMultiplier, TREASURY_ACCOUNT } from '../src/pallets/transaction-payment.js'
import type { StateView } from '../src/chain/index.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'

const ONE = 10n ** 18n
/** ExtrinsicBaseWeight 125·10^6 (substrate 3.0 constants) × 30 %. */
const BASE_FEE = 37_500_000n
/** TransactionByteFee = MILLICENTS / 100 (Crust runtime/src/lib.rs:721). */
const BYTE_FEE = 100_000n

let keyring: Keyring
const pairOf = (uri: string): KeyringPair => {
  keyring ??= new Keyring({ type: 'sr25519', ss58Format: 66 })
  return keyring.addFromUri(uri)
}
const free = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data.free
const view = (h: RuntimeHarness) => h.state as unknown as StateView
const feePaid = (h: RuntimeHarness) => BigInt(String(h.lastEvents.find((e) => e.method === 'TransactionFeePaid')!.data[1]))
const transferArgs = (to: Uint8Array, value: bigint) => ({ dest: { tag: 'Id', value: to }, value })

/** Crust's fee for a call of `weight` in an extrinsic of `length` bytes with `multiplier`. */
const crustFee = (length: number, weight: bigint, multiplier: bigint) => BASE_FEE + BigInt(length) * BYTE_FEE + (((weight * 3n) / 10n) * multiplier) / ONE

describe('fees as Crust charges them', () => {
  // Weights from Crust's weight files with RocksDbWeight (read 25·10^6, write 10^8):
  // cstrml/market/src/weight.rs:19-38, runtime/src/weights/pallet_balances.rs:13-37, cstrml/swork/src/weight.rs:28-37.
  it("behavior: call weights are Crust's weight files' figures", async () => {
    const h = await RuntimeHarness.create()
    const weight = (pallet: string, call: string, args: Record<string, unknown>) =>
      h.runtime.callInfo(h.runtime.decodeCall(h.runtime.encodeCall({ tag: pallet, value: { tag: call, value: args } }))).weight
    const cid = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const to = transferArgs(new Uint8Array(32), 1n)
    assert.equal(weight('Market', 'place_storage_order', { cid, reported_file_size: 1n, tips: 0n, memo: new Uint8Array() }), 2_019_000_000n)
    assert.equal(weight('Market', 'add_prepaid', { cid, amount: 1n }), 2_019_000_000n)
    assert.equal(weight('Market', 'calculate_reward', { cid }), 2_647_000_000n)
    assert.equal(weight('Market', 'reward_merchant', {}), 896_000_000n)
    assert.equal(weight('Balances', 'transfer_allow_death', to), 218_087_000n)
    assert.equal(weight('Balances', 'transfer_keep_alive', to), 188_971_000n)
    assert.equal(weight('Balances', 'force_transfer', { source: to.dest, ...to }), 341_707_000n)
    assert.equal(reportWorksWeight(2, 1), 3_505_000_000n + 2n * (700_000_000n + 250_000_000n) + (350_000_000n + 250_000_000n))
  })

  // cstrml/staking/src/weight.rs:13-67 (RocksDbWeight) and the `#[weight]`s cstrml/staking/src/lib.rs
  // writes itself: rebond(MAX_UNLOCKING_CHUNKS = 32) declared, refunded to `35µs + 50ns·chunks +
  // reads_writes(3, 2)`; reward_stakers `120 * WEIGHT_PER_MICROS`; set_invulnerables `writes(1) + 2µs + 6ns·n`.
  // runtime/src/weights/pallet_utility.rs: batch(c) = 19_612_000 + 1_988_000·c, batch_all(c) =
  // 21_934_000 + 1_503_000·c, as_derivative = 5_849_000, each plus the calls' weights;
  // pallet_timestamp.rs set = 11_338_000 + 2r + 1w; frame_system.rs remark = 1_815_000.
  it("behavior: staking, utility, timestamp and remark weights are Crust's weight files' figures", async () => {
    const h = await RuntimeHarness.create()
    const weight = (pallet: string, call: string, args: Record<string, unknown>) =>
      h.runtime.callInfo(h.runtime.decodeCall(h.runtime.encodeCall({ tag: pallet, value: { tag: call, value: args } }))).weight
    const who = { tag: 'Id', value: new Uint8Array(32) }
    const staking: Array<[string, Record<string, unknown>, bigint]> = [
      ['bond', { controller: who, value: 1n }, 1_017_000_000n],
      ['bond_extra', { max_additional: 1n }, 131_000_000n],
      ['unbond', { value: 1n }, 752_000_000n],
      ['rebond', { value: 1n }, 37_039_000n + 93_000n * 32n + 375_000_000n],
      ['withdraw_unbonded', {}, 434_000_000n],
      ['validate', { prefs: { guarantee_fee: 0 } }, 237_000_000n],
      ['guarantee', { target_tuple: [who, 1n] }, 379_000_000n],
      ['cut_guarantee', { target_tuple: [who, 1n] }, 207_000_000n],
      ['chill', {}, 237_000_000n],
      ['set_controller', { controller: who }, 401_000_000n],
      // Not Crust's flat 120 µs (see WEIGHTS.rewardStakers): 120 µs + 54 µs, 3 reads and 2 writes per guarantor (64), + 11 reads, 2 writes.
      [
        'reward_stakers',
        { validator_stash: new Uint8Array(32), era: 1 },
        120_000_000n + 54_000_000n * 64n + (11n + 3n * 64n) * 25_000_000n + (2n + 2n * 64n) * 100_000_000n,
      ],
      ['set_validator_count', { new: 4 }, 102_000_000n],
      ['set_invulnerables', { validators: [new Uint8Array(32), new Uint8Array(32)] }, 102_012_000n],
    ]
    assert.deepEqual(
      staking.map(([name, args]) => [name, weight('Staking', name, args)]),
      staking.map(([name, , w]) => [name, w]),
    )
    const transfer = { tag: 'Balances', value: { tag: 'transfer_keep_alive', value: transferArgs(new Uint8Array(32), 1n) } }
    const t = 188_971_000n
    assert.equal(weight('Utility', 'batch', { calls: [transfer, transfer] }), 19_612_000n + 2n * 1_988_000n + 2n * t)
    assert.equal(weight('Utility', 'batch_all', { calls: [transfer, transfer] }), 21_934_000n + 2n * 1_503_000n + 2n * t)
    assert.equal(weight('Utility', 'as_derivative', { index: 0, call: transfer }), 5_849_000n + t)
    assert.equal(weight('Timestamp', 'set', { now: 1n }), 161_338_000n)
    assert.equal(weight('System', 'remark', { remark: new Uint8Array(100) }), 1_815_000n)
  })

  it("behavior: rebond is charged Crust's post-dispatch weight for the chunks left, not its declared 32-chunk weight", async () => {
    const h = await RuntimeHarness.create()
    const bob = pairOf('//Bob')
    h.startBlock()
    h.submit(bob, 'Staking', 'bond', { controller: { tag: 'Id', value: bob.publicKey }, value: 10n * CRU })
    h.endBlock()
    h.startBlock()
    h.submit(bob, 'Staking', 'unbond', { value: 4n * CRU })
    h.endBlock()
    h.startBlock()
    assert.deepEqual(h.submit(bob, 'Staking', 'rebond', { value: CRU }).outcome, { included: true, success: true })
    const events = h.endBlock()
    const info = events.find((e) => e.method === 'ExtrinsicSuccess')!.data[0] as { weight: { refTime: { toBigInt(): bigint } } }
    // One chunk left: 35_000_000 + 50_000 × 1 + 3 reads + 2 writes.
    assert.equal(info.weight.refTime.toBigInt() - h.runtime.config.extrinsicBaseWeight, 35_050_000n + 75_000_000n + 200_000_000n)
  })

  // pallet_transaction_payment (substrate 3.0) TargetedFeeAdjustment with Crust's parameters
  // (runtime/src/lib.rs:722-724): s = 25 %, v = 1/100_000, min 1e-9; normal max = 75 % of 2·10^12.
  it('behavior: the multiplier follows TargetedFeeAdjustment: empty blocks lower it, full ones raise it, never below 1e-9', async () => {
    const normalMax = 1_500_000_000_000n
    // Empty block: diff = 0.25, next = 1 − v·0.25 + v²/2·0.0625 = 1 − 2.5e-6 + 3.125e-12.
    assert.equal(nextFeeMultiplier(ONE, 0n, normalMax), 999_997_500_003_125_000n)
    // Full block: diff = 0.75, next = 1 + 7.5e-6 + 2.8125e-11.
    assert.equal(nextFeeMultiplier(ONE, normalMax, normalMax), 1_000_007_500_028_125_000n)
    // At the target nothing moves; at the minimum an empty block keeps the minimum.
    assert.equal(nextFeeMultiplier(ONE, normalMax / 4n, normalMax), ONE)
    assert.equal(nextFeeMultiplier(1_000_000_000n, 0n, normalMax), 1_000_000_000n)
    // Through the runtime: each finalized block stores the next multiplier.
    const h = await RuntimeHarness.create()
    assert.equal(NextFeeMultiplier.get(h.state), ONE)
    h.runTo(1)
    assert.equal(NextFeeMultiplier.get(h.state), 999_997_500_003_125_000n)
    h.runTo(1000)
    // (1 − 2.499996875e-6)^1000 ≈ 0.99750311..., each step rounded down at 1e-18.
    const m = NextFeeMultiplier.get(h.state)
    const step = 2_499_996_875_000n
    let closed = ONE * ONE
    for (let i = 0; i < 1000; i++) closed = (closed * (ONE - step)) / ONE
    // Rounding the decrease down keeps the stored value a little above the exact product.
    const diff = m - closed / ONE
    assert.ok(diff >= 0n && diff < 2000n, `after 1000 empty blocks ${m} vs ${closed / ONE}`)
    assert.ok(m < 997_504_000_000_000_000n && m > 997_503_000_000_000_000n)
  })

  it('behavior: a transfer pays base + length + multiplier × 30 % of its weight, which payment_queryInfo predicts on the parent state', async () => {
    const h = await RuntimeHarness.create()
    const alice = pairOf('//Alice')
    const bob = pairOf('//Bob')
    h.runTo(200)
    const multiplier = NextFeeMultiplier.get(h.state)
    assert.ok(multiplier < ONE)
    h.startBlock()
    const before = free(h, alice.publicKey)
    const { outcome, bytes } = h.submit(alice, 'Balances', 'transfer_keep_alive', transferArgs(bob.publicKey, CRU))
    assert.deepEqual(outcome, { included: true, success: true })
    h.endBlock()
    const expected = crustFee(bytes.length, 188_971_000n, multiplier)
    assert.equal(feePaid(h), expected)
    assert.equal(before - free(h, alice.publicKey), CRU + expected)
    // payment_queryInfo on the block's post-state is the fee in the next block, with the new multiplier.
    const next = NextFeeMultiplier.get(h.state)
    assert.equal(feeInfo(h.runtime, view(h), bytes).partialFee, crustFee(bytes.length, 188_971_000n, next))
  })

  // Crust's fee (runtime/src/lib.rs:718-733, impls.rs:52-68): ExtrinsicBaseWeight × 30 % + length ×
  // TransactionByteFee + multiplier × 30 % of the call's weight; the multiplier is 1 at genesis. The
  // weights, with RocksDbWeight (read 25·10^6, write 10^8):
  //   balances.transfer   93_087_000 + 1r + 1w                   = 218_087_000   runtime/src/weights/pallet_balances.rs:13-17
  //   place_storage_order 719_000_000 + 16r + 9w                 = 2_019_000_000 cstrml/market/src/weight.rs:34-38
  //   calculate_reward    297_000_000 + 12r + 8w + 50r           = 2_647_000_000 cstrml/market/src/weight.rs:39-44
  //   report_works(1, 0)  3_505_000_000 + 700_000_000 + 2r + 2w  = 4_455_000_000 cstrml/swork/src/weight.rs:44-52
  //   staking.bond        67_000_000 + 10r + 7w                  = 1_017_000_000 cstrml/staking/src/weight.rs:13-17
  //   staking.guarantee   79_000_000 + 4r + 2w                   = 379_000_000   cstrml/staking/src/weight.rs:44-48
  it("behavior: payment_queryInfo gives Crust's fee for transfer, place_storage_order, calculate_reward, report_works, bond and guarantee, and each is the fee charged", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(NextFeeMultiplier.get(h.state), ONE)
    const [alice, bob] = [pairOf('//Alice'), pairOf('//Bob')]
    const cid = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const reportArgs = {
      curr_pk: new Uint8Array(64),
      ab_upgrade_pk: new Uint8Array(),
      slot: 0n,
      slot_hash: new Uint8Array(32),
      reported_srd_size: 0n,
      reported_files_size: 1n,
      added_files: [[cid, 1n, 1n]],
      deleted_files: [],
      reported_srd_root: new Uint8Array(32),
      reported_files_root: new Uint8Array(32),
      sig: new Uint8Array(64),
    }
    const cases: Array<[KeyringPair, string, string, Record<string, unknown>, bigint]> = [
      [alice, 'Balances', 'transfer', transferArgs(bob.publicKey, CRU), 218_087_000n],
      [alice, 'Market', 'place_storage_order', { cid, reported_file_size: 1024n, tips: 0n, memo: new Uint8Array() }, 2_019_000_000n],
      [alice, 'Market', 'calculate_reward', { cid }, 2_647_000_000n],
      [alice, 'Swork', 'report_works', reportArgs, 4_455_000_000n],
      [bob, 'Staking', 'bond', { controller: { tag: 'Id', value: bob.publicKey }, value: 10n * CRU }, 1_017_000_000n],
      [bob, 'Staking', 'guarantee', { target_tuple: [{ tag: 'Id', value: alice.publicKey }, CRU] }, 379_000_000n],
    ]
    const seen: string[] = []
    for (const [who, pallet, name, args, crustWeight] of cases) {
      // Each block moves the multiplier; these fees are at multiplier 1.
      NextFeeMultiplier.put(h.state, ONE)
      h.startBlock()
      const { outcome, bytes } = h.submit(who, pallet, name, args)
      assert.equal(outcome.included, true, `${pallet}.${name} included`)
      // payment_queryInfo on the state the extrinsic was applied to (the multiplier does not move within a block).
      const queried = feeInfo(h.runtime, view(h), bytes)
      h.endBlock()
      assert.equal(queried.weight, h.runtime.config.extrinsicBaseWeight + crustWeight, `${pallet}.${name} weight`)
      assert.equal(queried.partialFee, crustFee(bytes.length, crustWeight, ONE), `${pallet}.${name} queryInfo`)
      assert.equal(feePaid(h), queried.partialFee, `${pallet}.${name} charged`)
      seen.push(`${pallet}.${name}`)
    }
    assert.equal(seen.length, 6)
    // One worked through: a signed balances.transfer of 1 CRU is 145 bytes (2 length, 1 version, 33 signer,
    // 65 signature, 1 era, 1 nonce, 1 tip, 41 call): 37_500_000 + 145 × 100_000 + 218_087_000 × 30 %.
    NextFeeMultiplier.put(h.state, ONE)
    h.startBlock()
    const { bytes } = h.submit(alice, 'Balances', 'transfer', transferArgs(bob.publicKey, CRU))
    assert.equal(bytes.length, 145)
    assert.equal(feeInfo(h.runtime, view(h), bytes).partialFee, 117_426_100n)
  })

  // Crust's CurrencyAdapter (runtime/src/impls.rs:113-124) asks Benefits to reduce the fee of
  // `Market::calculate_reward` only; every other call withdraws its full fee.
  it('behavior: fee reduction applies to market.calculate_reward alone; a transfer from the only MARKET funder pays in full', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: 10 } })
    const alice = pairOf('//Alice')
    const bob = pairOf('//Bob')
    h.startBlock()
    assert.equal(h.call(signed(alice.publicKey), 'Benefits', 'add_benefit_funds', { value: 100n * CRU, funds_type: MARKET }), undefined)
    h.endBlock()
    // An era has ended; its quota (0.2 % of the era's payout) is set to 1 CRU here so it covers any fee.
    h.runTo(10)
    assert.equal(CurrentBenefits.get(h.state).active_era, 1)
    CurrentBenefits.put(h.state, { ...CurrentBenefits.get(h.state), total_fee_reduction_quota: CRU })
    h.startBlock()
    const before = free(h, alice.publicKey)
    h.submit(alice, 'Balances', 'transfer_keep_alive', transferArgs(bob.publicKey, CRU))
    h.endBlock()
    const transferFee = feePaid(h)
    assert.ok(transferFee > 0n)
    assert.equal(before - free(h, alice.publicKey), CRU + transferFee, 'the full fee')
    assert.equal(CurrentBenefits.get(h.state).used_fee_reduction_quota, 0n)
    assert.equal(MarketBenefits.get(h.state, alice.publicKey).used_fee_reduction_quota, 0n)
    // calculate_reward (an unknown cid: Ok, nothing settled) is waived and uses the quota.
    h.startBlock()
    const beforeSettle = free(h, alice.publicKey)
    const { outcome } = h.submit(alice, 'Market', 'calculate_reward', { cid: new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o') })
    assert.deepEqual(outcome, { included: true, success: true })
    h.endBlock()
    const settleFee = feePaid(h)
    assert.ok(settleFee > 0n)
    assert.equal(free(h, alice.publicKey), beforeSettle, 'waived')
    assert.equal(CurrentBenefits.get(h.state).used_fee_reduction_quota, settleFee)
    assert.equal(MarketBenefits.get(h.state, alice.publicKey).used_fee_reduction_quota, settleFee)
  })
})

describe('balances and market details as Crust', () => {
  // Crust's balances: DustRemoval = Treasury (runtime/src/lib.rs:692).
  it("behavior: a reaped account's dust goes to the treasury (Treasury.Deposit); the total issuance is unchanged", async () => {
    const h = await RuntimeHarness.create()
    const bob = pairOf('//Bob')
    const ferdie = pairOf('//Ferdie')
    const ed = h.runtime.config.existentialDeposit
    h.startBlock()
    const all = free(h, bob.publicKey)
    const issuance = TotalIssuance.get(h.state)
    const treasury = free(h, TREASURY_ACCOUNT)
    assert.equal(h.call(signed(bob.publicKey), 'Balances', 'transfer_allow_death', transferArgs(ferdie.publicKey, all - ed / 2n)), undefined)
    const deposit = h.endBlock().find((e) => e.section === 'treasury' && e.method === 'Deposit')
    assert.equal(String(deposit?.data[0]), String(ed / 2n))
    assert.equal(Account.contains(h.state, bob.publicKey), false)
    assert.equal(free(h, TREASURY_ACCOUNT), treasury + ed / 2n)
    assert.equal(TotalIssuance.get(h.state), issuance)
  })

  // cstrml/market/src/lib.rs:518-526: the usable balance is checked before the file.
  it('error: add_prepaid beyond the usable balance is InsufficientCurrency, even for an unknown file', async () => {
    const h = await RuntimeHarness.create()
    const pauper = pairOf('//Pauper')
    const alice = pairOf('//Alice')
    h.startBlock()
    const cid = new TextEncoder().encode('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    const name = (err: ReturnType<RuntimeHarness['call']>) =>
      err?.tag === 'Module' ? h.runtime.registry.findMetaError(Uint8Array.of(err.value.index, err.value.error[0]!)).name : err?.tag
    assert.equal(name(h.call(signed(pauper.publicKey), 'Market', 'add_prepaid', { cid, amount: CRU })), 'InsufficientCurrency')
    assert.equal(name(h.call(signed(alice.publicKey), 'Market', 'add_prepaid', { cid, amount: CRU })), 'FileNotExist')
  })
})
