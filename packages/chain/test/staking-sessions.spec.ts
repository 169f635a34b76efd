/** Staking (GPoS) sessions and eras on block numbers: era = sessionsPerEra sessions, ForceEra, disabled validators, benefits' era. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { activeEra } from '../src/pallets/benefits/index.js'
import {
  ActiveEra,
  BondedEras,
  CurrentEra,
  CurrentIndex,
  DisabledValidators,
  ErasStartSessionIndex,
  ForceEra,
  reportOffence,
  SessionValidators,
  sessionTiming,
  StakeLimit,
} from '../src/pallets/staking/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { accountIdOf, builtinSpec, devAddress, parseChainSpec } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

const dev = (name: string) => accountIdOf(devAddress(name))
const ALICE = dev('Alice')
const BOB = dev('Bob')
const ctrl = (n: number) => new Uint8Array(32).fill(n)
const id = (value: Uint8Array) => ({ tag: 'Id', value })
/** 12-block eras of 6 sessions: a session is 2 blocks. */
const harness = () => RuntimeHarness.create({ config: { eraLength: 12 } })
const eraAt = (h: RuntimeHarness) => ActiveEra.get(h.state)!.index
const sessionEvents = (h: RuntimeHarness) => h.lastEvents.filter((e) => e.section === 'session').map((e) => `${e.method}(${e.data.map(String).join(',')})`)

describe('staking: sessions and eras', () => {
  it("behavior: Crust's 3_600-block eras are 6 sessions of 600; the dev spec's 360 give 60; a non-multiple is one session", async () => {
    assert.deepEqual(sessionTiming(defaultRuntimeConfig), { sessionLength: 600, sessionsPerEra: 6 })
    const { cryptoWaitReady } = await import('@polkadot/util-crypto')
    await cryptoWaitReady()
    const devSpec = builtinSpec('dev')!
    assert.deepEqual(sessionTiming({ ...defaultRuntimeConfig, ...devSpec.runtime }), { sessionLength: 60, sessionsPerEra: 6 })
    assert.deepEqual(sessionTiming({ eraLength: 10, sessionsPerEra: 6 }), { sessionLength: 10, sessionsPerEra: 1 })
    // The chain spec keeps eraLength as the override and may set sessionsPerEra.
    const spec = parseChainSpec({ ...devSpec, runtime: { eraLength: 40, sessionsPerEra: 4 } })
    assert.deepEqual(sessionTiming({ ...defaultRuntimeConfig, ...spec.runtime }), { sessionLength: 10, sessionsPerEra: 4 })
  })

  it('behavior: the session index grows every session; a new era starts every 6 sessions (era = ⌊block / eraLength⌋)', async () => {
    const h = await harness()
    h.runTo(1)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [0, 0])
    h.runTo(2)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [1, 0])
    assert.deepEqual(sessionEvents(h), ['NewSession(1)'])
    h.runTo(11)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [5, 0])
    h.runTo(12)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h), CurrentEra.get(h.state)], [6, 1, 1])
    assert.equal(ErasStartSessionIndex.get(h.state, 1), 6)
    assert.deepEqual(
      h.lastEvents.filter((e) => e.section === 'staking').map((e) => e.method),
      ['EraReward'],
    )
    h.runTo(36)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [18, 3])
    assert.deepEqual(BondedEras.get(h.state), [
      [0, 0],
      [1, 6],
      [2, 12],
      [3, 18],
    ])
  })

  it('behavior: force_new_era plans an era at the next session, active the session after, once; then eras last 6 sessions again', async () => {
    const h = await harness()
    h.runTo(2)
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'force_new_era'), undefined)
    h.endBlock()
    assert.equal(eraAt(h), 0)
    // Crust plans one session ahead (new_session(s + 1) as session s starts, cstrml/staking/src/lib.rs:1880-1906):
    // era 1 is planned as session 2 starts and becomes active with session 3.
    h.runTo(4)
    assert.deepEqual([eraAt(h), CurrentEra.get(h.state), ErasStartSessionIndex.get(h.state, 1), ForceEra.get(h.state).tag], [0, 1, 3, 'NotForcing'])
    h.runTo(6)
    assert.equal(eraAt(h), 1)
    h.runTo(17)
    assert.equal(eraAt(h), 1)
    h.runTo(18)
    assert.deepEqual([eraAt(h), ErasStartSessionIndex.get(h.state, 2)], [2, 9])
  })

  it('behavior: force_no_eras stops new eras; force_new_era_always plans one every session', async () => {
    const h = await harness()
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'force_no_eras'), undefined)
    h.runTo(30)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [15, 0])
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'force_new_era_always'), undefined)
    h.runTo(32)
    assert.deepEqual([eraAt(h), CurrentEra.get(h.state)], [0, 1])
    h.runTo(34)
    assert.equal(eraAt(h), 1)
    h.runTo(36)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h), ErasStartSessionIndex.get(h.state, 3)], [18, 2, 19])
  })

  it("behavior: benefits' era is staking's ActiveEra, also when eras are forced", async () => {
    const h = await harness()
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'force_new_era_always'), undefined)
    h.runTo(6)
    assert.equal(eraAt(h), 3)
    assert.equal(activeEra({ state: h.state, config: h.runtime.config, blockNumber: h.number }), 3)
    assert.equal(activeEra({ config: h.runtime.config, blockNumber: h.number }), 0)
  })

  it('behavior: a slashed validator is disabled until the session ends, and the forced era is planned at the next session', async () => {
    const h = await harness()
    h.startBlock()
    for (const [stash, c] of [
      [ALICE, 1],
      [BOB, 2],
    ] as const) {
      assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value: 1000n * CRU }), undefined)
      assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
      StakeLimit.insert(h.state, stash, 1000n * CRU)
    }
    assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
    h.runTo(12)
    assert.equal(SessionValidators.get(h.state).length, 2)
    h.startBlock()
    reportOffence({ state: h.state, config: h.runtime.config, deposit: () => {} }, [BOB], 10_000_000n, 1)
    assert.equal(DisabledValidators.get(h.state).length, 1)
    h.endBlock()
    h.runTo(14)
    // Session 7 plans era 2 (forced): Bob was chilled, so Alice alone is elected; session 8 starts it.
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h), CurrentEra.get(h.state), DisabledValidators.get(h.state)], [7, 1, 2, []])
    h.runTo(16)
    assert.deepEqual([CurrentIndex.get(h.state), eraAt(h)], [8, 2])
    assert.deepEqual(SessionValidators.get(h.state), [ALICE])
  })
})
