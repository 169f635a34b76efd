/** The Multisig pallet (Substrate's pallet_multisig with Crust's deposits). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a, createKeyMulti } from '@polkadot/util-crypto'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { DEPOSIT_BASE, DEPOSIT_FACTOR, Multisigs, multiAccountId } from '../src/pallets/multisig.js'
import { infoWithDisplay } from '../src/pallets/identity/index.js'
import { Account } from '../src/pallets/system.js'
import { NextFeeMultiplier } from '../src/pallets/transaction-payment.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, CHARLIE, DAVE] = [dev('Alice'), dev('Bob'), dev('Charlie'), dev('Dave')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const sorted = (...xs: Uint8Array[]) => xs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
const others = (who: Uint8Array) => sorted(...[ALICE, BOB, CHARLIE].filter((x) => u8aToHex(x) !== u8aToHex(who)))
const transferCall = (value: bigint): RuntimeCallValue => ({ tag: 'Balances', value: { tag: 'transfer_keep_alive', value: { dest: id(DAVE), value } } })
const MAX_WEIGHT = { ref_time: 1_000_000_000n, proof_size: 0n }
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data
const pair = (name: string) => new Keyring({ type: 'sr25519' }).addFromUri(`//${name}`)
/** The weight (ref time) and class a signed extrinsic's ExtrinsicSuccess/ExtrinsicFailed reports, less the extrinsic base. */
function usedWeight(h: RuntimeHarness, events: ReturnType<RuntimeHarness['endBlock']>): { weight: bigint; class: string } {
  const e = events.find((x) => x.section === 'system' && (x.method === 'ExtrinsicSuccess' || x.method === 'ExtrinsicFailed'))!
  const info = e.data[e.method === 'ExtrinsicSuccess' ? 0 : 1] as { class: { type: string }; weight: { refTime: { toBigInt(): bigint } } }
  return { weight: info.weight.refTime.toBigInt() - h.runtime.config.extrinsicBaseWeight, class: info.class.type }
}

async function setup() {
  const h = await RuntimeHarness.create()
  const multi = multiAccountId(sorted(ALICE, BOB, CHARLIE), 2)
  assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(multi), value: 100n * CRU }), undefined)
  const inner = transferCall(30n * CRU)
  const hash = blake2AsU8a(h.runtime.encodeCall(inner))
  return { h, multi, inner, hash }
}

const asMulti = (h: RuntimeHarness, who: Uint8Array, inner: RuntimeCallValue, timepoint?: { height: number; index: number }, threshold = 2) =>
  h.call(signed(who), 'Multisig', 'as_multi', { threshold, other_signatories: others(who), maybe_timepoint: timepoint, call: inner, max_weight: MAX_WEIGHT })

/** `approve_as_multi` of the call with `hash` at `threshold`, sent by `who` (with the first approval's timepoint after it). */
function approverOf(h: RuntimeHarness, threshold: number, hash: Uint8Array) {
  return (who: Uint8Array, timepoint?: { height: number; index: number }) =>
    h.call(signed(who), 'Multisig', 'approve_as_multi', {
      threshold,
      other_signatories: others(who),
      maybe_timepoint: timepoint,
      call_hash: hash,
      max_weight: MAX_WEIGHT,
    })
}

describe('multisig', () => {
  it("behavior: Crust's deposits: DepositBase = deposit(1, 88), DepositFactor = deposit(0, 32); the account id is @polkadot/util-crypto's createKeyMulti", () => {
    // crustio/crust runtime/src/lib.rs: DepositBase = deposit(1, 88), DepositFactor = deposit(0, 32);
    // primitives/src/constants.rs: deposit(items, bytes) = items * 1_000 CENTS + bytes * 100 MILLICENTS.
    assert.equal(DEPOSIT_BASE, 10_088_000_000_000n)
    assert.equal(DEPOSIT_FACTOR, 32_000_000_000n)
    assert.equal(u8aToHex(multiAccountId(sorted(ALICE, BOB, CHARLIE), 2)), u8aToHex(createKeyMulti([ALICE, BOB, CHARLIE], 2)))
  })

  it('behavior: 2-of-3: the first as_multi reserves the deposit (NewMultisig); the second executes the call from the multisig account and returns the deposit', async () => {
    const { h, multi, inner, hash } = await setup()
    const aliceBefore = account(h, ALICE)
    assert.equal(asMulti(h, ALICE, inner), undefined)
    const deposit = DEPOSIT_BASE + 2n * DEPOSIT_FACTOR
    assert.equal(account(h, ALICE).reserved, aliceBefore.reserved + deposit)
    const open = Multisigs.get(h.state, multi, hash)!
    assert.deepEqual(open.when, { height: h.number, index: 0 })
    assert.deepEqual(
      open.approvals.map((a) => u8aToHex(a)),
      [u8aToHex(ALICE)],
    )
    assert.deepEqual(
      h
        .endBlock()
        .filter((e) => e.section === 'multisig')
        .map((e) => e.method),
      ['NewMultisig'],
    )
    const daveBefore = account(h, DAVE).free
    assert.equal(asMulti(h, BOB, inner, open.when), undefined)
    assert.equal(account(h, DAVE).free, daveBefore + 30n * CRU)
    assert.equal(account(h, multi).free, 70n * CRU)
    assert.equal(account(h, ALICE).reserved, aliceBefore.reserved)
    assert.equal(Multisigs.get(h.state, multi, hash), undefined)
    const executed = h.endBlock().find((e) => e.method === 'MultisigExecuted')!
    assert.equal((executed.data[4] as { isOk: boolean }).isOk, true)
  })

  it('behavior: approve_as_multi by hash adds an approval (MultisigApproval); the executing as_multi must allow the call weight (MaxWeightTooLow)', async () => {
    const h = await RuntimeHarness.create()
    const multi = multiAccountId(sorted(ALICE, BOB, CHARLIE), 3)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(multi), value: 100n * CRU }), undefined)
    const inner = transferCall(CRU)
    const hash = blake2AsU8a(h.runtime.encodeCall(inner))
    const approve = approverOf(h, 3, hash)
    assert.equal(approve(ALICE), undefined)
    const when = Multisigs.get(h.state, multi, hash)!.when
    assert.equal(approve(BOB, when), undefined)
    assert.equal(Multisigs.get(h.state, multi, hash)!.approvals.length, 2)
    assert.ok(h.endBlock().some((e) => e.method === 'MultisigApproval'))
    const low = { ref_time: 1n, proof_size: 0n }
    assertError(
      h,
      h.call(signed(CHARLIE), 'Multisig', 'as_multi', {
        threshold: 3,
        other_signatories: others(CHARLIE),
        maybe_timepoint: when,
        call: inner,
        max_weight: low,
      }),
      'MaxWeightTooLow',
    )
    assert.equal(asMulti(h, CHARLIE, inner, when, 3), undefined)
    assert.equal(Multisigs.get(h.state, multi, hash), undefined)
  })

  it('error: threshold and signatory checks (MinimumThreshold, SignatoriesOutOfOrder, SenderInSignatories, TooFewSignatories)', async () => {
    const { h, inner } = await setup()
    assertError(h, asMulti(h, ALICE, inner, undefined, 1), 'MinimumThreshold')
    const call = (list: Uint8Array[]) =>
      h.call(signed(ALICE), 'Multisig', 'as_multi', { threshold: 2, other_signatories: list, maybe_timepoint: undefined, call: inner, max_weight: MAX_WEIGHT })
    assertError(h, call([...others(ALICE)].reverse()), 'SignatoriesOutOfOrder')
    assertError(h, call(sorted(ALICE, BOB)), 'SenderInSignatories')
    assertError(h, call([]), 'TooFewSignatories')
  })

  it('error: timepoint rules (UnexpectedTimepoint, NoTimepoint, WrongTimepoint), AlreadyApproved, and a deposit the sender cannot reserve', async () => {
    const { h, multi, inner, hash } = await setup()
    assertError(h, asMulti(h, ALICE, inner, { height: 1, index: 0 }), 'UnexpectedTimepoint')
    assert.equal(asMulti(h, ALICE, inner), undefined)
    const when = Multisigs.get(h.state, multi, hash)!.when
    assertError(h, asMulti(h, BOB, inner), 'NoTimepoint')
    assertError(h, asMulti(h, BOB, inner, { height: when.height, index: when.index + 1 }), 'WrongTimepoint')
    assertError(
      h,
      h.call(signed(ALICE), 'Multisig', 'approve_as_multi', {
        threshold: 2,
        other_signatories: others(ALICE),
        maybe_timepoint: when,
        call_hash: hash,
        max_weight: MAX_WEIGHT,
      }),
      'AlreadyApproved',
    )
    const poor = new Uint8Array(32).fill(0xee)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: DEPOSIT_BASE }), undefined)
    assertError(
      h,
      h.call(signed(poor), 'Multisig', 'as_multi', {
        threshold: 2,
        other_signatories: sorted(ALICE, BOB),
        maybe_timepoint: undefined,
        call: inner,
        max_weight: MAX_WEIGHT,
      }),
      'InsufficientBalance',
    )
  })

  it('behavior: cancel_as_multi by the depositor returns the deposit (MultisigCancelled); error: NotOwner, NotFound, WrongTimepoint', async () => {
    const { h, multi, inner, hash } = await setup()
    const reserved = account(h, ALICE).reserved
    assert.equal(asMulti(h, ALICE, inner), undefined)
    const when = Multisigs.get(h.state, multi, hash)!.when
    const cancel = (who: Uint8Array, timepoint = when) =>
      h.call(signed(who), 'Multisig', 'cancel_as_multi', { threshold: 2, other_signatories: others(who), timepoint, call_hash: hash })
    assertError(h, cancel(BOB), 'NotOwner')
    assertError(h, cancel(ALICE, { height: when.height + 1, index: 0 }), 'WrongTimepoint')
    assert.equal(cancel(ALICE), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.equal(Multisigs.get(h.state, multi, hash), undefined)
    assert.ok(h.endBlock().some((e) => e.method === 'MultisigCancelled'))
    assertError(h, cancel(ALICE), 'NotFound')
  })

  it('behavior: as_multi_threshold_1 dispatches at once from the 1-of-n account; its failure fails the call', async () => {
    const h = await RuntimeHarness.create()
    const single = multiAccountId(sorted(ALICE, BOB), 1)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(single), value: 10n * CRU }), undefined)
    const before = account(h, DAVE).free
    assert.equal(h.call(signed(ALICE), 'Multisig', 'as_multi_threshold_1', { other_signatories: [BOB], call: transferCall(CRU) }), undefined)
    assert.equal(account(h, DAVE).free, before + CRU)
    assertError(
      h,
      h.call(signed(ALICE), 'Multisig', 'as_multi_threshold_1', { other_signatories: [BOB], call: transferCall(100n * CRU) }),
      'InsufficientBalance',
    )
  })
  // Crust's pallet_multisig weights (crustio/crust runtime/src/weights/pallet_multisig.rs:46-121) with
  // RocksDbWeight (read 25·10^6, write 10^8), combined as polkadot-sdk's pallet_multisig
  // (substrate/frame/multisig/src/lib.rs `#[pallet::weight]` of each call):
  //   as_multi_threshold_1 = as_multi_threshold_1(z) + reads_writes(1, 1) + call_weight, in the call's class;
  //   as_multi = as_multi_create(s, z).max(as_multi_approve(s, z)).max(as_multi_complete(s, z)) + max_weight;
  //   approve_as_multi = approve_as_multi_create(s).max(approve_as_multi_approve(s)) + max_weight;
  //   cancel_as_multi = cancel_as_multi(s).
  it("behavior: as_multi_threshold_1 weighs 10_273_000 + 1 read + 1 write + the carried call's weight and takes its class; as_multi reserves max_weight over the largest of create/approve/complete; approve_as_multi and cancel_as_multi weigh Crust's figures", async () => {
    const h = await RuntimeHarness.create()
    const info = (pallet: string, name: string, args: Record<string, unknown>) => h.runtime.callInfo({ tag: pallet, value: { tag: name, value: args } })
    const inner = transferCall(30n * CRU)
    // transfer_keep_alive: 63_971_000 + 1 read + 1 write (runtime/src/weights/pallet_balances.rs).
    assert.equal(h.runtime.callInfo(inner).weight, 188_971_000n)
    const setCode: RuntimeCallValue = { tag: 'Swork', value: { tag: 'set_code', value: { new_code: Uint8Array.of(1), expire_block: 100 } } }
    assert.equal(h.runtime.callInfo(setCode).class, 'Operational')
    const threshold1 = (c: RuntimeCallValue) => info('Multisig', 'as_multi_threshold_1', { other_signatories: [BOB], call: c })
    assert.deepEqual([threshold1(inner).weight, threshold1(inner).class], [10_273_000n + 125_000_000n + 188_971_000n, 'Normal'])
    assert.deepEqual([threshold1(setCode).weight, threshold1(setCode).class], [10_273_000n + 125_000_000n + h.runtime.callInfo(setCode).weight, 'Operational'])

    // z = 42: pallet and call index, MultiAddress::Id (1 + 32), compact 30·10^12 (7 bytes).
    const z = h.runtime.encodeCall(inner).length
    assert.equal(z, 42)
    // s = 2: as_multi_complete(2, 42) = 73_267_000 + 195_000·2 + 4_000·42 + 3 reads + 3 writes, the largest.
    const asMulti = info('Multisig', 'as_multi', {
      threshold: 2,
      other_signatories: others(ALICE),
      maybe_timepoint: undefined,
      call: inner,
      max_weight: MAX_WEIGHT,
    })
    assert.equal(asMulti.weight, 73_267_000n + 390_000n + 168_000n + 375_000_000n + MAX_WEIGHT.ref_time)
    // as_multi is Normal whatever it carries (no class in its #[pallet::weight]).
    const asMultiSetCode = info('Multisig', 'as_multi', {
      threshold: 2,
      other_signatories: others(ALICE),
      maybe_timepoint: undefined,
      call: setCode,
      max_weight: MAX_WEIGHT,
    })
    assert.equal(asMultiSetCode.class, 'Normal')
    // approve_as_multi_create(2) = 50_201_000 + 83_000·2 + 2 reads + 1 write (> approve_as_multi_approve(2)).
    const approve = info('Multisig', 'approve_as_multi', {
      threshold: 2,
      other_signatories: others(ALICE),
      maybe_timepoint: undefined,
      call_hash: new Uint8Array(32),
      max_weight: MAX_WEIGHT,
    })
    assert.equal(approve.weight, 50_201_000n + 166_000n + 150_000_000n + MAX_WEIGHT.ref_time)
    // cancel_as_multi(2) = 86_776_000 + 86_000·2 + 2 reads + 2 writes.
    const cancel = info('Multisig', 'cancel_as_multi', {
      threshold: 2,
      other_signatories: others(ALICE),
      timepoint: { height: 1, index: 0 },
      call_hash: new Uint8Array(32),
    })
    assert.equal(cancel.weight, 86_776_000n + 172_000n + 250_000_000n)
  })

  // polkadot-sdk substrate/frame/multisig/src/lib.rs `operate`: a new operation is charged
  // as_multi_create(s, z); an approval as_multi_approve(s, z); an execution as_multi_complete(s, z)
  // plus the call's reported actual weight (`get_result_weight`), or, when the call reports none,
  // the declared weight (max_weight included) as PostDispatchInfo { actual_weight: None } gives.
  it("behavior: signed as_multi is charged create, then complete + the executed call's reported weight, or its whole declared weight when the call reports none; the fee follows the weight used", async () => {
    const h = await RuntimeHarness.create()
    const [alice, bob] = [pair('Alice'), pair('Bob')]
    const multi = multiAccountId(sorted(ALICE, BOB, CHARLIE), 2)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(multi), value: 100n * CRU }), undefined)
    h.endBlock()
    const send = (who: typeof alice, inner: RuntimeCallValue, timepoint?: { height: number; index: number }) =>
      h.submit(who, 'Multisig', 'as_multi', {
        threshold: 2,
        other_signatories: others(who.publicKey),
        maybe_timepoint: timepoint,
        call: inner,
        max_weight: MAX_WEIGHT,
      }).outcome
    const feePaid = (events: ReturnType<RuntimeHarness['endBlock']>) => BigInt(String(events.find((e) => e.method === 'TransactionFeePaid')!.data[1]))

    // A transfer reports no actual weight.
    const transfer = transferCall(30n * CRU)
    const z = h.runtime.encodeCall(transfer).length
    assert.deepEqual(send(alice, transfer), { included: true, success: true })
    const created = h.endBlock()
    // as_multi_create(2, 42) = 50_795_000 + 85_000·2 + 1_000·42 + 2 reads + 1 write.
    assert.deepEqual(usedWeight(h, created), { weight: 50_795_000n + 170_000n + 42_000n + 150_000_000n, class: 'Normal' })
    const declared = h.runtime.callInfo({
      tag: 'Multisig',
      value: { tag: 'as_multi', value: { threshold: 2, other_signatories: others(BOB), maybe_timepoint: undefined, call: transfer, max_weight: MAX_WEIGHT } },
    }).weight
    assert.deepEqual(send(bob, transfer, Multisigs.get(h.state, multi, blake2AsU8a(h.runtime.encodeCall(transfer)))!.when), { included: true, success: true })
    const executed = h.endBlock()
    assert.ok(executed.some((e) => e.method === 'MultisigExecuted'))
    assert.deepEqual(usedWeight(h, executed), { weight: declared, class: 'Normal' })
    assert.equal(z, 42)

    // identity.set_identity reports its actual weight: set_identity(R = 0, X = 0) = 73_891_000 + 1 read + 1 write
    // (runtime/src/weights/pallet_identity.rs), so the execution is charged as_multi_complete(2, z) + that.
    const setIdentity: RuntimeCallValue = { tag: 'Identity', value: { tag: 'set_identity', value: { info: infoWithDisplay('Multi') } } }
    const zi = h.runtime.encodeCall(setIdentity).length
    assert.deepEqual(send(alice, setIdentity), { included: true, success: true })
    h.endBlock()
    const when = Multisigs.get(h.state, multi, blake2AsU8a(h.runtime.encodeCall(setIdentity)))!.when
    const bobBefore = account(h, BOB).free
    const multiplier = NextFeeMultiplier.get(h.state)
    const { bytes } = h.submit(bob, 'Multisig', 'as_multi', {
      threshold: 2,
      other_signatories: others(BOB),
      maybe_timepoint: when,
      call: setIdentity,
      max_weight: MAX_WEIGHT,
    })
    const withReport = h.endBlock()
    const complete = 73_267_000n + 195_000n * 2n + 4_000n * BigInt(zi) + 375_000_000n
    const used = complete + 73_891_000n + 125_000_000n
    assert.deepEqual(usedWeight(h, withReport), { weight: used, class: 'Normal' })
    // The fee is Crust's for the weight used: base 37_500_000 + 100_000 per byte + multiplier × 30 % of the weight.
    const fee = feePaid(withReport)
    assert.equal(fee, 37_500_000n + BigInt(bytes.length) * 100_000n + (((used * 3n) / 10n) * multiplier) / 10n ** 18n)
    assert.equal(bobBefore - account(h, BOB).free, fee)
  })

  it('error: an approval past the threshold by a new signatory without the call is AlreadyApproved, as Substrate counts approvals only below the threshold', async () => {
    const h = await RuntimeHarness.create()
    const multi = multiAccountId(sorted(ALICE, BOB, CHARLIE), 2)
    const hash = blake2AsU8a(h.runtime.encodeCall(transferCall(CRU)))
    const approve = approverOf(h, 2, hash)
    assert.equal(approve(ALICE), undefined)
    const when = Multisigs.get(h.state, multi, hash)!.when
    assert.equal(approve(BOB, when), undefined)
    assert.equal(Multisigs.get(h.state, multi, hash)!.approvals.length, 2)
    assertError(h, approve(CHARLIE, when), 'AlreadyApproved')
    assert.equal(Multisigs.get(h.state, multi, hash)!.approvals.length, 2)
  })
})
