/** Staking's storage values decode with `@crustio/type-definitions` (Crust's field names) and with the metadata's own types. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { TypeRegistry } from '@polkadot/types'
import { u8aToHex } from '@polkadot/util'
import { CRU } from '../src/constants.js'
import { ErasStakers, Guarantors, Ledger, Validators } from '../src/pallets/staking/index.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

function crustRegistry(): TypeRegistry {
  const registry = new TypeRegistry()
  const bundle = typesBundleForPolkadot as unknown as { spec: { crust: { types: Array<{ types: Record<string, unknown> }> } } }
  registry.register(bundle.spec.crust.types[0]!.types as never)
  registry.setChainProperties(registry.createType('ChainProperties', { ss58Format: 66 }) as never)
  return registry
}

const acc = (n: number) => new Uint8Array(32).fill(n)
const id = (value: Uint8Array) => ({ tag: 'Id', value })

describe('staking: storage encoding', () => {
  it('behavior: Guarantee, ValidatorPrefs, StakingLedger and Exposure decode via the crust types and the metadata', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: 10 } })
    const { runtime, state } = h
    // Fund and bond a validator (acc 1, controller acc 2) and a guarantor (acc 3, controller acc 4).
    for (const n of [1, 3]) assert.equal(h.call(ROOT, 'Balances', 'force_set_balance', { who: id(acc(n)), new_free: 1000n * CRU }), undefined)
    assert.equal(h.call(signed(acc(1)), 'Staking', 'bond', { controller: id(acc(2)), value: 100n * CRU }), undefined)
    assert.equal(h.call(signed(acc(2)), 'Staking', 'validate', { prefs: { guarantee_fee: 250_000_000 } }), undefined)
    assert.equal(h.call(signed(acc(3)), 'Staking', 'bond', { controller: id(acc(4)), value: 100n * CRU }), undefined)
    assert.equal(h.call(signed(acc(4)), 'Staking', 'guarantee', { target_tuple: [id(acc(1)), 40n * CRU] }), undefined)
    assert.equal(h.call(signed(acc(2)), 'Staking', 'unbond', { value: 10n * CRU }), undefined)
    ErasStakers.insert(state, 1, acc(1), { total: 50n, own: 20n, others: [{ who: acc(3), value: 30n }] })
    const crust = crustRegistry()
    const account = (n: number) => crust.createType('AccountId', acc(n)).toString()
    const guarantee = state.get(Guarantors.key(acc(3)))!
    assert.deepEqual(crust.createType('Guarantee', guarantee).toJSON(), {
      targets: [{ who: account(1), value: Number(40n * CRU) }],
      total: Number(40n * CRU),
      submitted_in: 0,
      suppressed: false,
    })
    const prefs = state.get(Validators.key(acc(1)))!
    assert.deepEqual(crust.createType('ValidatorPrefs', prefs).toJSON(), { guarantee_fee: 250_000_000 })
    const valueType = (item: string) => {
      const pallet = runtime.registry.metadata.pallets.find((p) => p.name.eq('Staking'))!
      const entry = pallet.storage.unwrap().items.find((i) => i.name.eq(item))!
      return runtime.registry.createLookupType(entry.type.asMap.value)
    }
    const ledger = runtime.registry.createType(valueType('Ledger'), state.get(Ledger.key(acc(2)))!).toJSON()
    assert.deepEqual(ledger, {
      stash: account(1),
      total: Number(100n * CRU),
      active: Number(90n * CRU),
      unlocking: [{ value: Number(10n * CRU), era: 112 }],
      claimedRewards: [],
    })
    assert.deepEqual(runtime.registry.createType(valueType('Validators'), prefs).toJSON(), { guaranteeFee: 250_000_000 })
    const viaMetadata = runtime.registry.createType(valueType('Guarantors'), guarantee)
    assert.equal(u8aToHex(viaMetadata.toU8a()), u8aToHex(guarantee))
    const exposure = runtime.registry.createType(valueType('ErasStakers'), state.get(ErasStakers.key(1, acc(1)))!).toJSON()
    assert.deepEqual(exposure, { total: 50, own: 20, others: [{ who: account(3), value: 30 }] })
  })
})
