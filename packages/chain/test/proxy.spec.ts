/** The Proxy pallet (Substrate's pallet_proxy; Polkadot's proxy types, Crust's deposit formula). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import type { RuntimeCallValue } from '../src/frame/pallet.js'
import { PROXY_DEPOSIT_BASE, PROXY_DEPOSIT_FACTOR, Proxies } from '../src/pallets/proxy.js'
import { Validators } from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { type DecodedEvent, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError, errorName } from './fixtures/swork-env.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const [ALICE, BOB, DAVE] = [dev('Alice'), dev('Bob'), dev('Dave')]
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const type = (tag: string) => ({ tag, value: undefined })
const call = (pallet: string, name: string, args: Record<string, unknown>): RuntimeCallValue => ({ tag: pallet, value: { tag: name, value: args } })
const transfer = (value: bigint) => call('Balances', 'transfer_keep_alive', { dest: id(DAVE), value })
const account = (h: RuntimeHarness, who: Uint8Array) => Account.get(h.state, who).data

/** The inner result of the block's last ProxyExecuted event: undefined for Ok, else the error's name. */
function proxyResult(h: RuntimeHarness, events: DecodedEvent[]): string | undefined {
  const executed = events.filter((e) => e.method === 'ProxyExecuted').at(-1)!
  const result = executed.data[0] as { isOk: boolean; asErr: { isModule: boolean; asModule: unknown; type: string } }
  if (result.isOk) return undefined
  return result.asErr.isModule ? h.runtime.registry.findMetaError(result.asErr.asModule as never).name : result.asErr.type
}

describe('proxy', () => {
  it("behavior: add_proxy reserves deposit(1, 8) + deposit(0, 33) per proxy; proxy(transfer) moves the real account's funds (ProxyExecuted Ok)", async () => {
    const h = await RuntimeHarness.create()
    assert.equal(PROXY_DEPOSIT_BASE, 10_008_000_000_000n)
    assert.equal(PROXY_DEPOSIT_FACTOR, 33_000_000_000n)
    const reserved = account(h, ALICE).reserved
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Staking'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + 2n * PROXY_DEPOSIT_FACTOR)
    assert.ok(h.endBlock().some((e) => e.method === 'ProxyAdded'))
    const [alice, bob, dave] = [account(h, ALICE).free, account(h, BOB).free, account(h, DAVE).free]
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(3n * CRU) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(account(h, DAVE).free, dave + 3n * CRU)
    assert.equal(account(h, ALICE).free, alice - 3n * CRU)
    assert.equal(account(h, BOB).free, bob)
  })

  it('behavior: a Staking proxy may bond and validate for the real account but not transfer (CallFiltered), also not inside a batch', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Staking'), delay: 0 }), undefined)
    const dave = account(h, DAVE).free
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(CRU) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    const batch = call('Utility', 'batch_all', { calls: [transfer(CRU)] })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: batch }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(account(h, DAVE).free, dave)
    const staking = call('Utility', 'batch_all', {
      calls: [call('Staking', 'bond', { controller: id(ALICE), value: 100n * CRU }), call('Staking', 'validate', { prefs: { guarantee_fee: 0 } })],
    })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: type('Staking'), call: staking }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined)
    assert.equal(Validators.contains(h.state, ALICE), true)
  })

  it('error: NotProxy for a non-delegate or a forced type it lacks; a non-Any proxy cannot add an Any proxy (escalation) or remove_proxies', async () => {
    const h = await RuntimeHarness.create()
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('NonTransfer'), delay: 0 }), undefined)
    assertError(h, h.call(signed(DAVE), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: transfer(CRU) }), 'NotProxy')
    assertError(h, h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: type('Any'), call: transfer(CRU) }), 'NotProxy')
    const escalate = call('Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Any'), delay: 0 })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: escalate }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: call('Proxy', 'remove_proxies', {}) }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), 'CallFiltered')
    assert.equal(Proxies.get(h.state, ALICE)[0].length, 1)
    const staking = call('Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Staking'), delay: 0 })
    assert.equal(h.call(signed(BOB), 'Proxy', 'proxy', { real: id(ALICE), force_proxy_type: undefined, call: staking }), undefined)
    assert.equal(proxyResult(h, h.endBlock()), undefined, 'NonTransfer covers Staking')
    assert.equal(Proxies.get(h.state, ALICE)[0].length, 2)
  })

  it('behavior: remove_proxy lowers the deposit, remove_proxies returns all of it; error: NoSelfProxy, Duplicate, NotFound, InsufficientBalance', async () => {
    const h = await RuntimeHarness.create()
    const reserved = account(h, ALICE).reserved
    assertError(h, h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(ALICE), proxy_type: type('Any'), delay: 0 }), 'NoSelfProxy')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assertError(h, h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), 'Duplicate')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'add_proxy', { delegate: id(DAVE), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(h.call(signed(ALICE), 'Proxy', 'remove_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), undefined)
    assert.equal(account(h, ALICE).reserved, reserved + PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR)
    assertError(h, h.call(signed(ALICE), 'Proxy', 'remove_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 }), 'NotFound')
    assert.equal(h.call(signed(ALICE), 'Proxy', 'remove_proxies', {}), undefined)
    assert.equal(account(h, ALICE).reserved, reserved)
    assert.equal(Proxies.contains(h.state, ALICE), false)
    const poor = new Uint8Array(32).fill(0xdd)
    assert.equal(h.call(signed(ALICE), 'Balances', 'transfer_keep_alive', { dest: id(poor), value: CRU }), undefined)
    assert.equal(errorName(h, h.call(signed(poor), 'Proxy', 'add_proxy', { delegate: id(BOB), proxy_type: type('Any'), delay: 0 })), 'InsufficientBalance')
  })
})
