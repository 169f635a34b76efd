/** The Multisig pallet (Substrate's pallet_multisig with Crust's deposits). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a, createKeyMulti } from '@polkadot/util-crypto'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { DEPOSIT_BASE, DEPOSIT_FACTOR, Multisigs, multiAccountId } from '../src/pallets/multisig.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, CHARLIE, DAVE] = [dev('Alice'), dev('Bob'), dev('Charlie'), dev('Dave')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const sorted = (...xs: Uint8Array[]) => xs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
const others = (who: Uint8Array) => sorted(...[ALICE, BOB, CHARLIE].filter((x) => x !== who))
const transferCall = (value: bigint): RuntimeCallValue => ({ tag: 'Balances', value: { tag: 'transfer_keep_alive', value: { dest: id(DAVE), value } } })
const MAX_WEIGHT = { ref_time: 1_000_000_000n, proof_size: 0n }
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data

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
    const approve = (who: Uint8Array, timepoint?: { height: number; index: number }) =>
      h.call(signed(who), 'Multisig', 'approve_as_multi', {
        threshold: 3,
        other_signatories: others(who),
        maybe_timepoint: timepoint,
        call_hash: hash,
        max_weight: MAX_WEIGHT,
      })
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
})
