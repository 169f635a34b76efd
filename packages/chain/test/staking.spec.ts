/** Staking (GPoS), first step: bonding, unbonding across the bonding duration, guarantees, chill, error names. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { Locks, removeLock, setLock } from '../src/pallets/balances.js'
import {
  BONDING_DURATION,
  Bonded,
  Guarantors,
  GuarantorsList,
  Ledger,
  MAX_GUARANTEE,
  StakeLimit,
  Validators,
  ValidatorsList,
} from '../src/pallets/staking/index.js'
import { Account } from '../src/pallets/system.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { ALICE, BOB, CHARLIE, DAVE, ctrl, id } from './fixtures/staking-env.js'
import { assertError } from './fixtures/swork-env.js'

const ERA = 10
const methods = (h: RuntimeHarness) => h.lastEvents.filter((e) => e.section === 'staking').map((e) => e.method)

const harness = () => RuntimeHarness.create({ config: { eraLength: ERA } })

function bond(h: RuntimeHarness, stash: Uint8Array, controller: Uint8Array, value: bigint) {
  return h.call(signed(stash), 'Staking', 'bond', { controller: id(controller), value })
}

describe('staking: bonding', () => {
  it('behavior: bond locks the value under "staking " and pairs stash and controller', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 1000n * CRU), undefined)
    assert.deepEqual(Bonded.get(h.state, ALICE), ctrl(1))
    const ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active, ledger.unlocking, ledger.claimed_rewards], [1000n * CRU, 1000n * CRU, [], []])
    assert.equal(Account.get(h.state, ALICE).data.frozen, 1000n * CRU)
    assert.equal(Buffer.from(Locks.get(h.state, ALICE)[0]!.id).toString(), 'staking ')
    h.endBlock()
    assert.deepEqual(methods(h), ['Bonded'])
  })

  it('behavior: bond caps the value at the free balance; bond_extra adds at most max_additional', async () => {
    const h = await harness()
    const free = Account.get(h.state, BOB).data.free
    assert.equal(bond(h, BOB, ctrl(2), free + 5n * CRU), undefined)
    assert.equal(Ledger.get(h.state, ctrl(2))!.total, free)
    assert.equal(bond(h, CHARLIE, ctrl(3), 10n * CRU), undefined)
    assert.equal(h.call(signed(CHARLIE), 'Staking', 'bond_extra', { max_additional: 5n * CRU }), undefined)
    assert.equal(Ledger.get(h.state, ctrl(3))!.active, 15n * CRU)
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'bond_extra', { max_additional: 1n }), 'NotStash')
  })

  it('error: AlreadyBonded, AlreadyPaired, InsufficientValue, NotController', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 10n * CRU), undefined)
    assertError(h, bond(h, ALICE, ctrl(4), 10n * CRU), 'AlreadyBonded')
    assertError(h, bond(h, BOB, ctrl(1), 10n * CRU), 'AlreadyPaired')
    assertError(h, bond(h, BOB, ctrl(2), h.runtime.config.existentialDeposit - 1n), 'InsufficientValue')
    assertError(h, h.call(signed(ALICE), 'Staking', 'unbond', { value: 1n }), 'NotController')
    assertError(h, h.call(signed(ctrl(9)), 'Staking', 'rebond', { value: 1n }), 'NotController')
  })

  it('behavior: unbond, rebond and withdraw_unbonded across the bonding duration (112 eras)', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 1000n * CRU), undefined)
    assertError(h, h.call(signed(ctrl(1)), 'Staking', 'rebond', { value: 1n }), 'NoUnlockChunk')
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: 400n * CRU }), undefined)
    let ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active, ledger.unlocking], [1000n * CRU, 600n * CRU, [{ value: 400n * CRU, era: BONDING_DURATION }]])
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'rebond', { value: 100n * CRU }), undefined)
    ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.active, ledger.unlocking], [700n * CRU, [{ value: 300n * CRU, era: BONDING_DURATION }]])
    h.endBlock()
    assert.deepEqual(methods(h), ['Bonded', 'Unbonded', 'Bonded'])
    // Crust releases a chunk once CurrentEra reaches its era (lib.rs:1088-1091), and CurrentEra is
    // planned one session ahead: with one-session eras, era 112 is planned as era 111 starts.
    // The last block of era 110: still locked.
    h.runTo((BONDING_DURATION - 1) * ERA - 2)
    h.startBlock()
    assert.equal(h.number, (BONDING_DURATION - 1) * ERA - 1)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'withdraw_unbonded'), undefined)
    assert.equal(Ledger.get(h.state, ctrl(1))!.total, 1000n * CRU)
    h.endBlock()
    assert.deepEqual(methods(h), [])
    // First block of era 111, where era 112 is planned: released.
    h.startBlock()
    assert.equal(h.number, (BONDING_DURATION - 1) * ERA)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'withdraw_unbonded'), undefined)
    ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active, ledger.unlocking], [700n * CRU, 700n * CRU, []])
    assert.equal(Account.get(h.state, ALICE).data.frozen, 700n * CRU)
    h.endBlock()
    assert.deepEqual(methods(h), ['EraReward', 'Withdrawn'])
  })

  it('behavior: unbonding everything and withdrawing removes the stash and its lock; dust is swept', async () => {
    const h = await harness()
    const ed = h.runtime.config.existentialDeposit
    assert.equal(bond(h, ALICE, ctrl(1), 100n * CRU), undefined)
    // Leaving less than the existential deposit active unbonds it too.
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: 100n * CRU - ed + 1n }), undefined)
    assert.deepEqual(Ledger.get(h.state, ctrl(1))!.unlocking, [{ value: 100n * CRU, era: BONDING_DURATION }])
    h.runTo(BONDING_DURATION * ERA)
    h.startBlock()
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'withdraw_unbonded'), undefined)
    assert.equal(Ledger.get(h.state, ctrl(1)), undefined)
    assert.equal(Bonded.get(h.state, ALICE), undefined)
    assert.deepEqual(Locks.get(h.state, ALICE), [])
    assert.equal(Account.get(h.state, ALICE).data.frozen, 0n)
  })

  it('behavior: withdraw_unbonded never unlocks below what other locks keep frozen', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 100n * CRU), undefined)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: 100n * CRU }), undefined)
    setLock({ state: h.state }, ALICE, new TextEncoder().encode('democrac'), 30n * CRU)
    h.runTo(BONDING_DURATION * ERA)
    h.startBlock()
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'withdraw_unbonded'), undefined)
    const ledger = Ledger.get(h.state, ctrl(1))!
    assert.deepEqual([ledger.total, ledger.active, ledger.unlocking], [30n * CRU, 0n, [{ value: 30n * CRU, era: BONDING_DURATION }]])
    assert.equal(Account.get(h.state, ALICE).data.frozen, 30n * CRU)
    removeLock({ state: h.state }, ALICE, new TextEncoder().encode('democrac'))
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'withdraw_unbonded'), undefined)
    assert.equal(Ledger.get(h.state, ctrl(1)), undefined)
    assert.equal(Account.get(h.state, ALICE).data.frozen, 0n)
  })

  it('error: InsufficientFrozenBond when other locks freeze more than the bond + 1 CRU', async () => {
    const h = await harness()
    setLock({ state: h.state }, ALICE, new TextEncoder().encode('democrac'), 30n * CRU)
    assertError(h, bond(h, ALICE, ctrl(1), 28n * CRU), 'InsufficientFrozenBond')
    assert.equal(bond(h, ALICE, ctrl(1), 29n * CRU), undefined)
    // The larger lock wins: frozen is the max of the locks.
    assert.equal(Account.get(h.state, ALICE).data.frozen, 30n * CRU)
  })

  it('error: NoMoreChunks after 32 unlocking chunks', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 1000n * CRU), undefined)
    for (let i = 0; i < 32; i++) assert.equal(h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: CRU }), undefined)
    assertError(h, h.call(signed(ctrl(1)), 'Staking', 'unbond', { value: CRU }), 'NoMoreChunks')
  })

  it('behavior: set_controller moves the ledger; error: AlreadyPaired, NotStash', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 10n * CRU), undefined)
    assert.equal(bond(h, BOB, ctrl(2), 10n * CRU), undefined)
    assertError(h, h.call(signed(ALICE), 'Staking', 'set_controller', { controller: id(ctrl(2)) }), 'AlreadyPaired')
    assertError(h, h.call(signed(CHARLIE), 'Staking', 'set_controller', { controller: id(ctrl(5)) }), 'NotStash')
    assert.equal(h.call(signed(ALICE), 'Staking', 'set_controller', { controller: id(ctrl(5)) }), undefined)
    assert.equal(Ledger.get(h.state, ctrl(1)), undefined)
    assert.deepEqual(Ledger.get(h.state, ctrl(5))!.stash, ALICE)
    assert.deepEqual(Bonded.get(h.state, ALICE), ctrl(5))
  })
})

describe('staking: validators and guarantees', () => {
  it('behavior: the candidate set swap-removes and stays in step with Validators', async () => {
    const h = await harness()
    const [a, b, c] = [ctrl(1), ctrl(2), ctrl(3)]
    for (const who of [a, b, c, a]) ValidatorsList.add(h.state, who)
    assert.deepEqual(ValidatorsList.all(h.state), [a, b, c])
    ValidatorsList.remove(h.state, a)
    assert.deepEqual(ValidatorsList.all(h.state), [c, b])
    assert.equal(ValidatorsList.position.get(h.state, c), 0)
    ValidatorsList.remove(h.state, b)
    ValidatorsList.remove(h.state, b)
    assert.deepEqual(ValidatorsList.all(h.state), [c])
    assert.equal(ValidatorsList.count.get(h.state), 1)
  })

  it('behavior: validate stores the prefs; guarantee caps votes at the free active bond, its event names the requested votes', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 1000n * CRU), undefined)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'validate', { prefs: { guarantee_fee: 200_000_000 } }), undefined)
    assert.deepEqual(Validators.get(h.state, ALICE), { guarantee_fee: 200_000_000 })
    assert.deepEqual(ValidatorsList.all(h.state), [ALICE])
    assert.equal(bond(h, CHARLIE, ctrl(3), 100n * CRU), undefined)
    const target = (votes: bigint) => ({ target_tuple: [id(ALICE), votes] })
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', target(60n * CRU)), undefined)
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', target(60n * CRU)), undefined)
    const g = Guarantors.get(h.state, CHARLIE)!
    assert.deepEqual([g.total, g.targets.length, g.targets[0]!.value, g.suppressed], [100n * CRU, 1, 100n * CRU, false])
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'guarantee', target(CRU)), 'ExceedGuaranteeLimit')
    // Everything is guaranteed: nothing can be unbonded.
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'unbond', { value: CRU }), 'AllGuaranteed')
    h.endBlock()
    assert.deepEqual(methods(h), ['Bonded', 'ValidateSuccess', 'Bonded', 'GuaranteeSuccess', 'GuaranteeSuccess'])
    // The events carry the requested votes (cstrml/staking/src/lib.rs:1181), not the 40 CRU granted the second time.
    const success = h.lastEvents.filter((e) => e.method === 'GuaranteeSuccess').map((e) => String(e.data[2]))
    assert.deepEqual(success, [(60n * CRU).toString(), (60n * CRU).toString()])
  })

  it('error: InvalidTarget, InsufficientValue (votes ≤ ED), ExceedGuaranteeLimit past 16 targets', async () => {
    const h = await harness()
    const ed = h.runtime.config.existentialDeposit
    assert.equal(bond(h, CHARLIE, ctrl(3), 1000n * CRU), undefined)
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(ALICE), CRU] }), 'InvalidTarget')
    const validators = Array.from({ length: MAX_GUARANTEE + 1 }, (_, i) => ctrl(100 + i))
    for (const [i, v] of validators.entries()) {
      Account.insert(h.state, v, { ...Account.get(h.state, v), providers: 1, data: { free: 10n * CRU, reserved: 0n, frozen: 0n, flags: 0n } })
      assert.equal(bond(h, v, ctrl(200 + i), CRU), undefined)
      assert.equal(h.call(signed(ctrl(200 + i)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    }
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(validators[0]!), ed] }), 'InsufficientValue')
    for (const v of validators.slice(0, MAX_GUARANTEE)) assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(v), CRU] }), undefined)
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(validators[MAX_GUARANTEE]!), CRU] }), 'ExceedGuaranteeLimit')
    // An existing edge can still grow.
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(validators[0]!), CRU] }), undefined)
    assert.equal(Guarantors.get(h.state, CHARLIE)!.targets[0]!.value, 2n * CRU)
  })

  it('behavior: cut_guarantee reduces and removes edges, keeping an emptied guarantee; error: InvalidTarget for no such edge', async () => {
    const h = await harness()
    assert.equal(bond(h, ALICE, ctrl(1), 10n * CRU), undefined)
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    assert.equal(bond(h, CHARLIE, ctrl(3), 100n * CRU), undefined)
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(ALICE), 50n * CRU] }), undefined)
    assertError(h, h.call(signed(ctrl(3)), 'Staking', 'cut_guarantee', { target_tuple: [id(BOB), 5n * CRU] }), 'InvalidTarget')
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'cut_guarantee', { target_tuple: [id(ALICE), 20n * CRU] }), undefined)
    assert.equal(Guarantors.get(h.state, CHARLIE)!.total, 30n * CRU)
    h.endBlock()
    h.startBlock()
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'cut_guarantee', { target_tuple: [id(ALICE), 500n * CRU] }), undefined)
    // Crust keeps the emptied guarantee, submitted_in and suppressed unchanged (decrease_guarantee,
    // lib.rs:1744-1754; cut_guarantee inserts it, 1218-1220), and the event names the requested votes (1221).
    assert.deepEqual(Guarantors.get(h.state, CHARLIE), { targets: [], total: 0n, submitted_in: 0, suppressed: false })
    assert.deepEqual(GuarantorsList.all(h.state), [CHARLIE])
    h.endBlock()
    const cut = h.lastEvents.filter((e) => e.method === 'CutGuaranteeSuccess').map((e) => String(e.data[2]))
    assert.deepEqual(cut, [(500n * CRU).toString()])
  })

  it('behavior: guaranteeing stops validating; validating stops guaranteeing; chill removes both and the stake limit', async () => {
    const h = await harness()
    for (const [stash, c] of [
      [ALICE, 1],
      [BOB, 2],
      [DAVE, 4],
    ] as const) {
      assert.equal(bond(h, stash, ctrl(c), 100n * CRU), undefined)
      assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    }
    assert.equal(h.call(signed(ctrl(2)), 'Staking', 'guarantee', { target_tuple: [id(ALICE), 10n * CRU] }), undefined)
    assert.equal(Validators.contains(h.state, BOB), false)
    assert.equal(h.call(signed(ctrl(2)), 'Staking', 'validate', { prefs: { guarantee_fee: 0 } }), undefined)
    assert.equal(Guarantors.get(h.state, BOB), undefined)
    StakeLimit.insert(h.state, DAVE, 5n)
    assert.equal(h.call(signed(ctrl(4)), 'Staking', 'chill'), undefined)
    assert.equal(Validators.contains(h.state, DAVE), false)
    assert.equal(StakeLimit.get(h.state, DAVE), undefined)
    assert.deepEqual(ValidatorsList.all(h.state), [ALICE, BOB])
    h.endBlock()
    assert.equal(methods(h).at(-1), 'ChillSuccess')
  })
})
