/** `balances.transfer`: Crust's name for `transfer_allow_death`, at Substrate's call index 7. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { u8aToHex } from '@polkadot/util'
import { CRU } from '../src/constants.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const ALICE = accountIdOf(devAddress('Alice'))
const id = (value: Uint8Array) => ({ tag: 'Id', value })

describe('balances.transfer', () => {
  it('behavior: decodes through the metadata as Balances.transfer at [pallet 2, call 7] with args dest, value', async () => {
    const h = await RuntimeHarness.create()
    const bytes = h.runtime.encodeCall({ tag: 'Balances', value: { tag: 'transfer', value: { dest: id(ALICE), value: 5n } } })
    assert.deepEqual([...bytes.subarray(0, 2)], [2, 7])
    const call = h.runtime.registry.createType('Call', bytes)
    assert.equal(`${call.section}.${call.method}`, 'balances.transfer')
    assert.deepEqual(
      call.meta.args.map((a) => a.name.toString()),
      ['dest', 'value'],
    )
    assert.equal(u8aToHex(call.toU8a()), u8aToHex(bytes))
  })

  it('behavior: moves the value, emits Transfer, and may reap the sender (allow-death semantics)', async () => {
    const h = await RuntimeHarness.create()
    const src = new Uint8Array(32).fill(7)
    const dst = new Uint8Array(32).fill(8)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer', { dest: id(src), value: 2n * CRU }), undefined)
    assert.equal(h.call(signed(src), 'Balances', 'transfer', { dest: id(dst), value: 2n * CRU }), undefined)
    const events = h.endBlock().map((e) => `${e.section}.${e.method}`)
    assert.equal(Account.get(h.state, dst).data.free, 2n * CRU)
    assert.equal(Account.get(h.state, src).providers, 0, 'the sender was reaped')
    assert.deepEqual(
      events.filter((e) => e === 'balances.Transfer' || e === 'system.KilledAccount'),
      ['balances.Transfer', 'system.KilledAccount', 'balances.Transfer'],
    )
  })

  it('error: InsufficientBalance beyond the free balance; BadOrigin from root', async () => {
    const h = await RuntimeHarness.create()
    const free = Account.get(h.state, ALICE).data.free
    assertError(h, h.call(signed(ALICE), 'Balances', 'transfer', { dest: id(new Uint8Array(32).fill(9)), value: free + 1n }), 'InsufficientBalance')
    assertError(h, h.call(ROOT, 'Balances', 'transfer', { dest: id(ALICE), value: 1n }), 'BadOrigin')
    assert.equal(Account.get(h.state, ALICE).data.free, free)
  })
})
