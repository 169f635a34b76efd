/** The Sudo pallet's weights and dispatch classes (Substrate's pallet_sudo). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'

const BOB = accountIdOf(devAddress('Bob'))
const call = (pallet: string, name: string, args: Record<string, unknown>): RuntimeCallValue => ({ tag: pallet, value: { tag: name, value: args } })
const transfer = (value: bigint) => call('Balances', 'transfer_keep_alive', { dest: { tag: 'Id', value: BOB }, value })
const setCode = call('Swork', 'set_code', { new_code: Uint8Array.of(1, 2, 3), expire_block: 100 })
const timestamp = call('Timestamp', 'set', { now: 6000n })

describe('sudo', () => {
  // polkadot-sdk substrate/frame/sudo/src/lib.rs, `#[pallet::weight]` of each call:
  //   sudo:                  (T::WeightInfo::sudo().saturating_add(dispatch_info.weight), dispatch_info.class)
  //   sudo_as:               (T::WeightInfo::sudo_as().saturating_add(dispatch_info.weight), dispatch_info.class)
  //   sudo_unchecked_weight: (*_weight, call.get_dispatch_info().class)
  // with dispatch_info = call.get_dispatch_info(); substrate/frame/sudo/src/weights.rs with RocksDbWeight
  // (read 25·10^6, write 10^8): sudo() = 10_729_000 + 1 read, sudo_as() = 11_003_000 + 1 read,
  // set_key() = 9_663_000 + 1 read + 1 write, remove_key() = 9_127_000 + 1 read + 1 write.
  it("behavior: sudo and sudo_as weigh their own weight plus the carried call's and take its class; sudo_unchecked_weight weighs the given weight in the carried call's class", async () => {
    const h = await RuntimeHarness.create()
    const info = (c: RuntimeCallValue) => h.runtime.callInfo(c)
    const carried = [setCode, transfer(CRU), timestamp]
    assert.deepEqual(
      carried.map((c) => info(c).class),
      ['Operational', 'Normal', 'Mandatory'],
    )
    assert.ok(new Set(carried.map((c) => info(c).weight)).size === 3, 'three different carried weights')
    const sudo = (c: RuntimeCallValue) => info(call('Sudo', 'sudo', { call: c }))
    const sudoAs = (c: RuntimeCallValue) => info(call('Sudo', 'sudo_as', { who: { tag: 'Id', value: BOB }, call: c }))
    const unchecked = (c: RuntimeCallValue) => info(call('Sudo', 'sudo_unchecked_weight', { call: c, weight: { ref_time: 7_000n, proof_size: 0n } }))
    assert.deepEqual(
      carried.map((c) => [sudo(c).weight - info(c).weight, sudo(c).class]),
      [
        [35_729_000n, 'Operational'],
        [35_729_000n, 'Normal'],
        [35_729_000n, 'Mandatory'],
      ],
    )
    assert.deepEqual(
      carried.map((c) => [sudoAs(c).weight - info(c).weight, sudoAs(c).class]),
      [
        [36_003_000n, 'Operational'],
        [36_003_000n, 'Normal'],
        [36_003_000n, 'Mandatory'],
      ],
    )
    assert.deepEqual(
      carried.map((c) => [unchecked(c).weight, unchecked(c).class]),
      [
        [7_000n, 'Operational'],
        [7_000n, 'Normal'],
        [7_000n, 'Mandatory'],
      ],
    )
    assert.deepEqual(
      [info(call('Sudo', 'set_key', { new: { tag: 'Id', value: BOB } })), info(call('Sudo', 'remove_key', {}))].map((i) => [i.weight, i.class]),
      [
        [134_663_000n, 'Normal'],
        [134_127_000n, 'Normal'],
      ],
    )
  })

  it("behavior: a signed sudo of an Operational call is an Operational extrinsic of the summed weight that pays no fee (ExtrinsicSuccess's DispatchInfo), and the call runs as root", async () => {
    const h = await RuntimeHarness.create()
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice')
    const before = Account.get(h.state, alice.publicKey).data.free
    assert.deepEqual(h.submit(alice, 'Sudo', 'sudo', { call: setCode }).outcome, { included: true, success: true })
    const events = h.endBlock()
    const sudid = events.find((e) => e.method === 'Sudid')!
    assert.equal((sudid.data[0] as { isOk: boolean }).isOk, true, 'set_code ran as root')
    const success = events.find((e) => e.section === 'system' && e.method === 'ExtrinsicSuccess')!
    const dispatchInfo = success.data[0] as { class: { type: string }; weight: { refTime: { toBigInt(): bigint } }; paysFee: { type: string } }
    assert.equal(dispatchInfo.class.type, 'Operational')
    assert.equal(dispatchInfo.weight.refTime.toBigInt(), h.runtime.config.extrinsicBaseWeight + 35_729_000n + h.runtime.callInfo(setCode).weight)
    assert.equal(dispatchInfo.paysFee.type, 'No')
    assert.equal(Account.get(h.state, alice.publicKey).data.free, before)
  })
})
