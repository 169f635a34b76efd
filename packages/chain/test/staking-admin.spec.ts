/** Staking (GPoS) root and housekeeping calls as Crust has them (force_unstake, reap_stash, era reward switches, whitelist). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { Locks } from '../src/pallets/balances.js'
import {
  Bonded,
  CurrentElected,
  ErasStakers,
  ErasStakingPayout,
  ForceEra,
  ForceSelection,
  Ledger,
  SlashingSpans,
  StakeLimit,
  StartRewardEra,
  ValidatorCount,
  Validators,
  ValidatorsWhitelist,
} from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const ERA = 10
const dev = (name: string) => accountIdOf(devAddress(name))
const ALICE = dev('Alice')
const BOB = dev('Bob')
const DAVE = dev('Dave')
const ctrl = (n: number) => new Uint8Array(32).fill(n)
const id = (value: Uint8Array) => ({ tag: 'Id', value })
const harness = () => RuntimeHarness.create({ config: { eraLength: ERA } })

function validator(h: RuntimeHarness, stash: Uint8Array, c: number, value: bigint): void {
  assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value }), undefined)
  assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
}

describe('staking: root calls', () => {
  it('behavior: force_unstake removes every staking record and the lock at once; error: NotStash, BadOrigin', async () => {
    const h = await harness()
    validator(h, ALICE, 1, 1000n * CRU)
    assertError(h, h.call(signed(ALICE), 'Staking', 'force_unstake', { stash: ALICE }), 'BadOrigin')
    assertError(h, h.call(ROOT, 'Staking', 'force_unstake', { stash: BOB }), 'NotStash')
    SlashingSpans.insert(h.state, ALICE, { span_index: 0, last_start: 0, last_nonzero_slash: 0, prior: [] })
    assert.equal(h.call(ROOT, 'Staking', 'force_unstake', { stash: ALICE }), undefined)
    assert.equal(Bonded.get(h.state, ALICE), undefined)
    assert.equal(Ledger.get(h.state, ctrl(1)), undefined)
    assert.equal(Validators.contains(h.state, ALICE), false)
    assert.equal(SlashingSpans.get(h.state, ALICE), undefined)
    assert.deepEqual(Locks.get(h.state, ALICE), [])
    assert.equal(Account.get(h.state, ALICE).data.frozen, 0n)
  })

  it('behavior: increase_validator_count adds to ValidatorCount; force_no_eras / force_new_era_always set ForceEra', async () => {
    const h = await harness()
    assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
    assert.equal(h.call(ROOT, 'Staking', 'increase_validator_count', { additional: 3 }), undefined)
    assert.equal(ValidatorCount.get(h.state), 5)
    assert.equal(h.call(ROOT, 'Staking', 'force_no_eras'), undefined)
    assert.equal(ForceEra.get(h.state).tag, 'ForceNone')
    assert.equal(h.call(ROOT, 'Staking', 'force_new_era_always'), undefined)
    assert.equal(ForceEra.get(h.state).tag, 'ForceAlways')
    assertError(h, h.call(signed(ALICE), 'Staking', 'increase_validator_count', { additional: 1 }), 'BadOrigin')
  })

  it('behavior: reap_stash (any origin) removes a stash left with exactly the existential deposit; error: FundedTarget', async () => {
    const h = await harness()
    assert.equal(h.call(signed(DAVE), 'Staking', 'bond', { controller: id(ctrl(4)), value: 10n * CRU }), undefined)
    assertError(h, h.call(signed(ALICE), 'Staking', 'reap_stash', { stash: DAVE }), 'FundedTarget')
    const ed = h.runtime.config.existentialDeposit
    assert.equal(h.call(ROOT, 'Balances', 'force_set_balance', { who: id(DAVE), new_free: ed }), undefined)
    assert.equal(h.call(signed(ALICE), 'Staking', 'reap_stash', { stash: DAVE }), undefined)
    assert.equal(Bonded.get(h.state, DAVE), undefined)
    assert.equal(Ledger.get(h.state, ctrl(4)), undefined)
    assert.deepEqual(Locks.get(h.state, DAVE), [])
    assertError(h, h.call(signed(ALICE), 'Staking', 'reap_stash', { stash: DAVE }), 'NotStash')
  })

  it('behavior: set_start_reward_era sets StartRewardEra; cancel_era_reward makes an era unclaimable', async () => {
    const h = await harness()
    assert.equal(h.call(ROOT, 'Staking', 'set_start_reward_era', { start_reward_era: 7 }), undefined)
    assert.equal(StartRewardEra.get(h.state), 7)
    validator(h, ALICE, 1, 1000n * CRU)
    StakeLimit.insert(h.state, ALICE, 1000n * CRU)
    h.runTo(2 * ERA)
    assert.notEqual(ErasStakingPayout.get(h.state, 1), undefined)
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'cancel_era_reward', { era_index: 1 }), undefined)
    assert.equal(ErasStakingPayout.get(h.state, 1), undefined)
    assertError(h, h.call(signed(BOB), 'Staking', 'reward_stakers', { validator_stash: ALICE, era: 1 }), 'InvalidEraToReward')
    assertError(h, h.call(signed(BOB), 'Staking', 'set_start_reward_era', { start_reward_era: 1 }), 'BadOrigin')
  })

  it('behavior: with force_validators_whitelist on, only whitelisted candidates are elected; all keep exposures', async () => {
    const h = await harness()
    validator(h, ALICE, 1, 2000n * CRU)
    validator(h, BOB, 2, 1000n * CRU)
    StakeLimit.insert(h.state, ALICE, 5000n * CRU)
    StakeLimit.insert(h.state, BOB, 5000n * CRU)
    assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 1 }), undefined)
    h.runTo(ERA)
    assert.deepEqual(CurrentElected.get(h.state), [ALICE])
    h.startBlock()
    assert.equal(h.call(ROOT, 'Staking', 'set_validators_whitelist', { new_validators: [BOB] }), undefined)
    assert.equal(h.call(ROOT, 'Staking', 'force_validators_whitelist', { enable: true }), undefined)
    assert.deepEqual([ValidatorsWhitelist.get(h.state), ForceSelection.get(h.state)], [[BOB], true])
    h.runTo(2 * ERA)
    assert.deepEqual(CurrentElected.get(h.state), [BOB])
    assert.equal(ErasStakers.get(h.state, 2, ALICE).total, 2000n * CRU)
  })
})
