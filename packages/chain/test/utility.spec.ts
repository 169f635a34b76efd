/** The Utility pallet (Substrate's pallet_utility): batch, batch_all, force_batch, as_derivative. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { Ledger, Validators } from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { derivativeAccountId } from '../src/pallets/utility.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { type DecodedEvent, ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const ALICE = accountIdOf(devAddress('Alice'))
const BOB = accountIdOf(devAddress('Bob'))
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const call = (pallet: string, name: string, args: Record<string, unknown>): RuntimeCallValue => ({ tag: pallet, value: { tag: name, value: args } })
const transfer = (to: Uint8Array, value: bigint) => call('Balances', 'transfer_keep_alive', { dest: id(to), value })
const names = (events: DecodedEvent[]) => events.filter((e) => e.section === 'utility').map((e) => e.method)
const free = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data.free
const TOO_MUCH = 10n ** 30n

describe('utility', () => {
  it('behavior: batch runs calls in order and stops at the first failure with BatchInterrupted {index, error}; the batch succeeds and keeps earlier calls', async () => {
    const h = await RuntimeHarness.create()
    const bob = free(h, BOB)
    const batch = { calls: [transfer(BOB, CRU), transfer(BOB, TOO_MUCH), transfer(BOB, 2n * CRU)] }
    assert.equal(h.call(signed(ALICE), 'Utility', 'batch', batch), undefined)
    const events = h.endBlock()
    assert.equal(free(h, BOB), bob + CRU, 'the first call stays, the third never ran')
    assert.deepEqual(names(events), ['ItemCompleted', 'BatchInterrupted'])
    const interrupted = events.find((e) => e.method === 'BatchInterrupted')!
    assert.equal(Number(interrupted.data[0]), 1)
    const error = interrupted.data[1] as { isModule: boolean; asModule: { index: { toNumber(): number } } }
    assert.ok(error.isModule)
    assert.equal(h.runtime.registry.findMetaError(error.asModule as never).name, 'InsufficientBalance')
  })

  it('behavior: batch_all is atomic: a failing item fails the call with its error and reverts the items before it', async () => {
    const h = await RuntimeHarness.create()
    const bob = free(h, BOB)
    assertError(h, h.call(signed(ALICE), 'Utility', 'batch_all', { calls: [transfer(BOB, CRU), transfer(BOB, TOO_MUCH)] }), 'InsufficientBalance')
    assert.equal(free(h, BOB), bob)
    assert.equal(h.call(signed(ALICE), 'Utility', 'batch_all', { calls: [transfer(BOB, CRU), transfer(BOB, 2n * CRU)] }), undefined)
    assert.equal(free(h, BOB), bob + 3n * CRU)
    assert.deepEqual(names(h.endBlock()), ['ItemCompleted', 'ItemCompleted', 'BatchCompleted'])
  })

  it('behavior: force_batch runs every item, ItemFailed for failures, then BatchCompletedWithErrors (BatchCompleted when none failed)', async () => {
    const h = await RuntimeHarness.create()
    const bob = free(h, BOB)
    assert.equal(h.call(signed(ALICE), 'Utility', 'force_batch', { calls: [transfer(BOB, CRU), transfer(BOB, TOO_MUCH), transfer(BOB, 2n * CRU)] }), undefined)
    assert.equal(free(h, BOB), bob + 3n * CRU)
    assert.deepEqual(names(h.endBlock()), ['ItemCompleted', 'ItemFailed', 'ItemCompleted', 'BatchCompletedWithErrors'])
    assert.equal(h.call(signed(ALICE), 'Utility', 'force_batch', { calls: [transfer(BOB, CRU)] }), undefined)
    assert.deepEqual(names(h.endBlock()), ['ItemCompleted', 'BatchCompleted'])
  })

  it("behavior: batch_all([staking.bond, staking.validate]) from one account makes it a validator candidate (Crust Apps' new-validator flow)", async () => {
    const h = await RuntimeHarness.create()
    const calls = [call('Staking', 'bond', { controller: id(BOB), value: 1000n * CRU }), call('Staking', 'validate', { prefs: { guarantee_fee: 0 } })]
    assert.equal(h.call(signed(BOB), 'Utility', 'batch_all', { calls }), undefined)
    assert.equal(Ledger.get(h.state, BOB)?.active, 1000n * CRU)
    assert.equal(Validators.contains(h.state, BOB), true)
  })

  it('behavior: batch keeps the origin: root items run as root; a signed origin cannot use a root call (BadOrigin interrupts)', async () => {
    const h = await RuntimeHarness.create()
    const setBalance = call('Balances', 'force_set_balance', { who: id(BOB), new_free: 5n * CRU })
    assert.equal(h.call(ROOT, 'Utility', 'batch', { calls: [setBalance] }), undefined)
    assert.equal(free(h, BOB), 5n * CRU)
    h.endBlock()
    assert.equal(h.call(signed(ALICE), 'Utility', 'batch', { calls: [call('Balances', 'force_set_balance', { who: id(BOB), new_free: 1n })] }), undefined)
    const interrupted = h.endBlock().find((e) => e.method === 'BatchInterrupted')!
    assert.equal((interrupted.data[1] as { isBadOrigin: boolean }).isBadOrigin, true)
    assert.equal(free(h, BOB), 5n * CRU)
    assertError(h, h.call({ kind: 'none' }, 'Utility', 'batch', { calls: [] }), 'BadOrigin')
  })

  it("behavior: as_derivative dispatches from blake2_256('modlpy/utilisuba' ++ who ++ u16 index) (@polkadot/util-crypto's createKeyDerived); its failure fails the call", async () => {
    const h = await RuntimeHarness.create()
    const { createKeyDerived } = await import('@polkadot/util-crypto')
    const derived = derivativeAccountId(ALICE, 3)
    assert.equal(u8aToHex(derived), u8aToHex(createKeyDerived(ALICE, 3)))
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(derived), value: 10n * CRU }), undefined)
    assert.equal(h.call(signed(ALICE), 'Utility', 'as_derivative', { index: 3, call: transfer(BOB, 4n * CRU) }), undefined)
    assert.equal(free(h, derived), 6n * CRU)
    assertError(h, h.call(signed(ALICE), 'Utility', 'as_derivative', { index: 3, call: transfer(BOB, TOO_MUCH) }), 'InsufficientBalance')
    assertError(h, h.call(ROOT, 'Utility', 'as_derivative', { index: 3, call: transfer(BOB, 1n) }), 'BadOrigin')
  })

  it('behavior: dispatch_as (root) runs the call as the given origin: system Signed(Alice) spends her funds, system Root runs a root call; DispatchedAs carries the result', async () => {
    const h = await RuntimeHarness.create()
    const [alice, bob] = [free(h, ALICE), free(h, BOB)]
    const asAlice = { tag: 'system', value: { tag: 'Signed', value: ALICE } }
    assert.equal(h.call(ROOT, 'Utility', 'dispatch_as', { as_origin: asAlice, call: transfer(BOB, 3n * CRU) }), undefined)
    assert.equal(free(h, ALICE), alice - 3n * CRU)
    assert.equal(free(h, BOB), bob + 3n * CRU)
    const [ok] = h.endBlock().filter((e) => e.method === 'DispatchedAs')
    assert.equal((ok!.data[0] as { isOk: boolean }).isOk, true)
    const asRoot = { tag: 'system', value: { tag: 'Root', value: undefined } }
    assert.equal(
      h.call(ROOT, 'Utility', 'dispatch_as', { as_origin: asRoot, call: call('Balances', 'force_set_balance', { who: id(BOB), new_free: 7n * CRU }) }),
      undefined,
    )
    assert.equal(free(h, BOB), 7n * CRU)
    h.endBlock()
    // A signed origin cannot run a root call: the failure is in the event, dispatch_as itself succeeds.
    assert.equal(
      h.call(ROOT, 'Utility', 'dispatch_as', { as_origin: asAlice, call: call('Balances', 'force_set_balance', { who: id(BOB), new_free: 1n }) }),
      undefined,
    )
    assert.equal(h.call(ROOT, 'Utility', 'dispatch_as', { as_origin: asAlice, call: transfer(BOB, TOO_MUCH) }), undefined)
    const failed = h.endBlock().filter((e) => e.method === 'DispatchedAs')
    const errors = failed.map((e) => (e.data[0] as { asErr: { isBadOrigin: boolean; isModule: boolean; asModule: never } }).asErr)
    assert.equal(errors[0]!.isBadOrigin, true)
    assert.equal(h.runtime.registry.findMetaError(errors[1]!.asModule).name, 'InsufficientBalance')
    assert.equal(free(h, BOB), 7n * CRU)
  })

  it("behavior: dispatch_as takes the carried call's dispatch class (Operational set_code, Normal transfer, Mandatory timestamp.set) and weighs the call's weight plus its own base; a signed dispatch_as extrinsic's ExtrinsicFailed reports that class", async () => {
    // pallet_utility (polkadot-sdk substrate/frame/utility/src/lib.rs, `dispatch_as`'s weight):
    // `(T::WeightInfo::dispatch_as().saturating_add(dispatch_info.call_weight), dispatch_info.class)`
    // with `dispatch_info = call.get_dispatch_info()`.
    const h = await RuntimeHarness.create()
    const asRoot = { tag: 'system', value: { tag: 'Root', value: undefined } }
    const dispatchAs = (inner: RuntimeCallValue) => call('Utility', 'dispatch_as', { as_origin: asRoot, call: inner })
    const setCode = call('Swork', 'set_code', { new_code: Uint8Array.of(1, 2, 3), expire_block: 100 })
    const timestamp = call('Timestamp', 'set', { now: 6000n })
    const info = (c: RuntimeCallValue) => h.runtime.callInfo(c)
    const ownBase = info(dispatchAs(transfer(BOB, 1n))).weight - info(transfer(BOB, 1n)).weight
    assert.ok(ownBase > 0n)
    assert.deepEqual(
      [setCode, transfer(BOB, 1n), timestamp].map((inner) => [info(dispatchAs(inner)).class, info(dispatchAs(inner)).weight - info(inner).weight]),
      [
        ['Operational', ownBase],
        ['Normal', ownBase],
        ['Mandatory', ownBase],
      ],
    )
    assert.equal(info(setCode).class, 'Operational')
    assert.ok(info(setCode).weight !== info(transfer(BOB, 1n)).weight, 'the carried weights differ, so the sums above are each its own')

    // Sent signed, dispatch_as fails on its origin; the extrinsic's DispatchInfo carries the carried call's class.
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    assert.deepEqual(h.submit(alice, 'Utility', 'dispatch_as', { as_origin: asRoot, call: setCode }).outcome.included, true)
    const failed = h.endBlock().find((e) => e.section === 'system' && e.method === 'ExtrinsicFailed')!
    const dispatchInfo = failed.data[1] as { class: { type: string }; weight: { refTime: { toBigInt(): bigint } } }
    assert.equal(dispatchInfo.class.type, 'Operational')
    assert.equal(dispatchInfo.weight.refTime.toBigInt(), h.runtime.config.extrinsicBaseWeight + info(dispatchAs(setCode)).weight)
  })

  it("behavior: batch, batch_all and force_batch are Normal when any call is, else Operational (pallet_utility's weight_and_dispatch_class); as_derivative and with_weight take the carried call's class", async () => {
    // polkadot-sdk substrate/frame/utility/src/lib.rs `weight_and_dispatch_class`: folds the calls'
    // classes from `DispatchClass::Operational`, `if di.class == Normal { di.class } else { dispatch_class }`;
    // as_derivative's and with_weight's weight return `call.get_dispatch_info().class`.
    const h = await RuntimeHarness.create()
    const setCode = call('Swork', 'set_code', { new_code: Uint8Array.of(1), expire_block: 100 })
    const timestamp = call('Timestamp', 'set', { now: 6000n })
    const classOf = (c: RuntimeCallValue) => h.runtime.callInfo(c).class
    for (const name of ['batch', 'batch_all', 'force_batch']) {
      const batchOf = (calls: RuntimeCallValue[]) => classOf(call('Utility', name, { calls }))
      assert.deepEqual(
        [batchOf([setCode, setCode]), batchOf([setCode, timestamp]), batchOf([]), batchOf([setCode, transfer(BOB, 1n)]), batchOf([transfer(BOB, 1n)])],
        ['Operational', 'Operational', 'Operational', 'Normal', 'Normal'],
        name,
      )
    }
    assert.equal(classOf(call('Utility', 'as_derivative', { index: 0, call: setCode })), 'Operational')
    assert.equal(classOf(call('Utility', 'as_derivative', { index: 0, call: transfer(BOB, 1n) })), 'Normal')
    assert.equal(classOf(call('Utility', 'with_weight', { call: setCode, weight: { ref_time: 1n, proof_size: 0n } })), 'Operational')
  })

  it('error: dispatch_as from a signed or no origin is BadOrigin and runs nothing', async () => {
    const h = await RuntimeHarness.create()
    const bob = free(h, BOB)
    const asAlice = { tag: 'system', value: { tag: 'Signed', value: ALICE } }
    assertError(h, h.call(signed(ALICE), 'Utility', 'dispatch_as', { as_origin: asAlice, call: transfer(BOB, CRU) }), 'BadOrigin')
    assertError(h, h.call({ kind: 'none' }, 'Utility', 'dispatch_as', { as_origin: asAlice, call: transfer(BOB, CRU) }), 'BadOrigin')
    assert.equal(free(h, BOB), bob)
    assert.equal(h.endBlock().filter((e) => e.method === 'DispatchedAs').length, 0)
  })

  it('behavior: the metadata lists Utility at index 23 with Substrate call indices and the batched_calls_limit constant', async () => {
    const h = await RuntimeHarness.create()
    const pallet = h.runtime.registry.metadata.pallets.find((p) => p.name.toString() === 'Utility')!
    assert.equal(pallet.index.toNumber(), 23)
    const variants = h.runtime.registry.lookup.getSiType(pallet.calls.unwrap().type).def.asVariant.variants
    assert.deepEqual(
      variants.map((v) => [v.name.toString(), v.index.toNumber()]),
      [
        ['batch', 0],
        ['as_derivative', 1],
        ['batch_all', 2],
        ['dispatch_as', 3],
        ['force_batch', 4],
        ['with_weight', 5],
      ],
    )
    assert.deepEqual(
      pallet.constants.map((c) => c.name.toString()),
      ['batched_calls_limit'],
    )
  })
})
