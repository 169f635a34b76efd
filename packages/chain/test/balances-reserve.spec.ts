/** `reserve` / `unreserve` in the balances pallet (what benefits builds on). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { reserve, reservedBalance, TotalIssuance, transfer, unreserve } from '../src/pallets/balances.js'
import { Account } from '../src/pallets/system.js'
import type { EventDef } from '../src/frame/pallet.js'
import { DispatchError } from '../src/frame/pallet.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'

async function setup() {
  const h = await RuntimeHarness.create()
  const recorded: Array<[string, Record<string, unknown>]> = []
  const ctx = {
    state: h.state,
    config: h.runtime.config,
    deposit: (e: EventDef, v: Record<string, unknown>) => {
      recorded.push([e.name, v])
    },
  }
  return { h, ctx, recorded, alice: accountIdOf(devAddress('Alice')), bob: accountIdOf(devAddress('Bob')) }
}

const errorIndex = (fn: () => void): number => {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof DispatchError)
    assert.equal(err.value.tag, 'Module')
    return (err.value.value as { error: Uint8Array }).error[0]!
  }
  assert.fail('expected a dispatch error')
}

describe('balances reserve', () => {
  it('behavior: reserve moves free to reserved and emits Reserved; issuance and total stay', async () => {
    const { h, ctx, recorded, alice } = await setup()
    const before = Account.get(h.state, alice)
    const issuance = TotalIssuance.get(h.state)
    reserve(ctx, alice, 7n * CRU)
    const after = Account.get(h.state, alice)
    assert.equal(after.data.free, before.data.free - 7n * CRU)
    assert.equal(after.data.reserved, 7n * CRU)
    assert.equal(reservedBalance(h.state, alice), 7n * CRU)
    assert.equal(TotalIssuance.get(h.state), issuance)
    assert.deepEqual(recorded, [['Reserved', { who: alice, amount: 7n * CRU }]])
    recorded.length = 0
    reserve(ctx, alice, 0n)
    assert.deepEqual(recorded, [], 'reserving 0 does nothing')
  })

  it('error: reserving more than free fails with InsufficientBalance; frozen funds fail with LiquidityRestrictions', async () => {
    const { h, ctx, recorded, alice } = await setup()
    const before = Account.get(h.state, alice)
    assert.equal(
      errorIndex(() => reserve(ctx, alice, before.data.free + 1n)),
      2,
    )
    Account.insert(h.state, alice, { ...before, data: { ...before.data, frozen: before.data.free - CRU } })
    assert.equal(
      errorIndex(() => reserve(ctx, alice, 2n * CRU)),
      1,
    )
    reserve(ctx, alice, CRU)
    assert.equal(recorded.length, 1)
  })

  it('behavior: an account with everything reserved stays alive and cannot transfer', async () => {
    const { h, ctx, alice, bob } = await setup()
    const free = Account.get(h.state, alice).data.free
    reserve(ctx, alice, free)
    const info = Account.get(h.state, alice)
    assert.equal(info.data.free, 0n)
    assert.equal(info.providers, 1)
    assert.equal(
      errorIndex(() => transfer(ctx, alice, bob, 1n, false)),
      2,
    )
    assert.equal(unreserve(ctx, alice, free), 0n)
    assert.equal(Account.get(h.state, alice).data.free, free)
  })

  it('behavior: unreserve moves back at most what is reserved, emits Unreserved with it and returns the rest', async () => {
    const { h, ctx, recorded, alice, bob } = await setup()
    reserve(ctx, alice, 5n * CRU)
    recorded.length = 0
    const free = Account.get(h.state, alice).data.free
    assert.equal(unreserve(ctx, alice, 8n * CRU), 3n * CRU)
    assert.equal(Account.get(h.state, alice).data.free, free + 5n * CRU)
    assert.equal(reservedBalance(h.state, alice), 0n)
    assert.deepEqual(recorded, [['Unreserved', { who: alice, amount: 5n * CRU }]])
    recorded.length = 0
    assert.equal(unreserve(ctx, alice, 0n), 0n)
    const nobody = new Uint8Array(32).fill(9)
    assert.equal(unreserve(ctx, nobody, 4n), 4n, 'a dead account has nothing to unreserve')
    assert.deepEqual(recorded, [])
    assert.equal(Account.contains(h.state, nobody), false)
    assert.ok(Account.get(h.state, bob).data.reserved === 0n)
  })
})
