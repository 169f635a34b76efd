/** Staking (GPoS): stake limits from workload (both stages), capped exposures, the era election and the genesis set. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { TotalIssuance } from '../src/pallets/balances.js'
import {
  ActiveEra,
  applyWorkload,
  cappedExposure,
  CurrentElected,
  CurrentEra,
  doElection,
  electedValidators,
  ErasAuthorities,
  ErasStakers,
  ErasTotalStakes,
  ErasValidatorPrefs,
  HistoryDepth,
  Invulnerables,
  Ledger,
  StakeLimit,
  stakeLimitOf,
  stakeLimitRatio,
  totalStakeLimit,
} from '../src/pallets/staking/index.js'
import { PendingWorkload } from '../src/pallets/swork/index.js'
import { accountIdOf, DEV_AUTHORITY, devAddress } from '../src/spec/chain-spec.js'
import { ROOT, RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { ALICE, BOB, CHARLIE, DAVE, ctrl, id } from './fixtures/staking-env.js'

const ERA = 10
const ratio = (sr: bigint) => {
  const r = stakeLimitRatio(sr)
  return Number(r.integer) + Number(r.fraction) / 1e9
}

function validator(h: RuntimeHarness, stash: Uint8Array, c: number, value: bigint): void {
  assert.equal(h.call(signed(stash), 'Staking', 'bond', { controller: id(ctrl(c)), value }), undefined)
  assert.equal(h.call(signed(ctrl(c)), 'Staking', 'validate', { prefs: { guarantee_fee: 500_000_000 } }), undefined)
}

describe('staking: stake limit', () => {
  it('behavior: r(sr) is 0.33/x − 0.65 at the bucket midpoint, 0.35 from 33 % (Crust spot values)', () => {
    // sr in Permill: < 0.1 %, 1 %, 5 %, 10 %, 20 %, 30 %, 33 %, 100 %.
    assert.deepEqual(stakeLimitRatio(0n), { integer: 659n, fraction: 350_000_000n })
    assert.deepEqual(stakeLimitRatio(999n), { integer: 659n, fraction: 350_000_000n })
    assert.equal(ratio(10_000n).toFixed(2), '30.78')
    assert.equal(ratio(50_000n).toFixed(2), '5.88')
    assert.deepEqual(stakeLimitRatio(100_000n), { integer: 2n, fraction: 633_582_089n })
    assert.equal(ratio(200_000n).toFixed(3), '0.996')
    assert.equal(ratio(300_000n).toFixed(3), '0.448')
    assert.deepEqual(stakeLimitRatio(329_999n), { integer: 0n, fraction: 351_517_450n })
    assert.deepEqual(stakeLimitRatio(330_000n), { integer: 0n, fraction: 350_000_000n })
    assert.deepEqual(stakeLimitRatio(1_000_000n), { integer: 0n, fraction: 350_000_000n })
  })

  it('behavior: total stake limit = issuance × r(ErasTotalStakes / issuance); 0 without an active era', () => {
    assert.equal(totalStakeLimit(undefined, 1_000_000n * CRU), 0n)
    // 10 % staked: 2.633582089 × 1M CRU.
    assert.equal(totalStakeLimit(100_000n * CRU, 1_000_000n * CRU), 2_633_582_089_000_000_000n)
  })

  it('behavior: stage one gives own workload × 1; stage two shares the total limit by KB', () => {
    const limit = 2_633_582_089_000_000_000n
    assert.equal(stakeLimitOf(5000n, 8100n, limit), 5000n)
    // Abundant workload (4e18 bytes ≥ the total limit): 3/4 and 1/4 of it.
    assert.equal(stakeLimitOf(3n * 10n ** 18n, 4n * 10n ** 18n, limit), 1_975_186_566_750_000_000n)
    assert.equal(stakeLimitOf(10n ** 18n, 4n * 10n ** 18n, limit), 658_395_522_250_000_000n)
    // Whole KB: under 1 KB of total workload counts as none.
    assert.equal(stakeLimitOf(1000n, 1023n, 0n), 0n)
  })

  it('behavior: a workload hand-off sets stake limits of validator candidates only (stage one and stage two)', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    validator(h, ALICE, 1, 100n * CRU)
    validator(h, BOB, 2, 100n * CRU)
    validator(h, DAVE, 4, 100n * CRU)
    h.endBlock()
    TotalIssuance.put(h.state, 1_000_000n * CRU)
    ErasTotalStakes.insert(h.state, 0, 100_000n * CRU)
    const recorded: string[] = []
    const ctx = { state: h.state, deposit: (e: { name: string }) => void recorded.push(e.name) }
    applyWorkload(ctx, {
      workload: [
        [ALICE, 5000n],
        [BOB, 3000n],
        [CHARLIE, 100n],
      ],
      totalWorkload: 8100n,
    })
    assert.deepEqual([StakeLimit.get(h.state, ALICE), StakeLimit.get(h.state, BOB), StakeLimit.get(h.state, DAVE)], [5000n, 3000n, 0n])
    assert.equal(StakeLimit.get(h.state, CHARLIE), undefined)
    assert.deepEqual(recorded, ['UpdateStakeLimitSuccess'])
    applyWorkload(ctx, {
      workload: [
        [ALICE, 3n * 10n ** 18n],
        [BOB, 10n ** 18n],
      ],
      totalWorkload: 4n * 10n ** 18n,
    })
    assert.equal(StakeLimit.get(h.state, ALICE), 1_975_186_566_750_000_000n)
    assert.equal(StakeLimit.get(h.state, BOB), 658_395_522_250_000_000n)
    // Through the runtime: sWork's pending hand-off is taken in the same block.
    h.startBlock()
    PendingWorkload.put(h.state, [
      [
        [ALICE, 7n],
        [DAVE, 9n],
      ],
      16n,
    ])
    h.endBlock()
    assert.deepEqual([StakeLimit.get(h.state, ALICE), StakeLimit.get(h.state, BOB), StakeLimit.get(h.state, DAVE)], [7n, 0n, 9n])
    assert.equal(PendingWorkload.get(h.state), undefined)
    const event = h.lastEvents.find((e) => e.method === 'UpdateStakeLimitSuccess')!
    assert.equal(String(event.data[0]), '2')
  })
})

describe('staking: capped exposures', () => {
  it('behavior: own stake and each guarantee scale by min(1, limit / total)', () => {
    const g = (n: number, value: bigint) => ({ who: ctrl(n), value })
    const half = cappedExposure(100n, [g(1, 60n), g(2, 40n)], 100n)
    assert.deepEqual([half.own, half.others.map((o) => o.value), half.total], [50n, [30n, 20n], 100n])
    const uncapped = cappedExposure(100n, [g(1, 60n)], 1000n)
    assert.deepEqual([uncapped.own, uncapped.others[0]!.value, uncapped.total], [100n, 60n, 160n])
    // Perbill rounding: ratio 2/3 = 666_666_666 parts.
    const third = cappedExposure(1000n * CRU, [g(1, 500n * CRU)], 1000n * CRU)
    assert.deepEqual([third.own, third.others[0]!.value, third.total], [666_666_666_000_000n, 333_333_333_000_000n, 999_999_999_000_000n])
  })
})

const ErasAuthoritiesOf = (h: RuntimeHarness, era: number) => ErasAuthorities.get(h.state, era)

describe('staking: era election', () => {
  // Crust's select_and_update_validators / do_election (cstrml/staking/src/lib.rs:2161-2317, 2381-2407)
  // and its planning one session ahead (new_session / new_era, lib.rs:1880-1935).
  it('behavior: zero-stake candidates are elected in account order; the next era is elected one session ahead, top-N by capped stake', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    const genesis = accountIdOf(devAddress(DEV_AUTHORITY))
    assert.deepEqual(Invulnerables.get(h.state), [genesis])
    assert.deepEqual(electedValidators(h.state), [{ stash: genesis, weight: 1n }])
    validator(h, ALICE, 1, 100n * CRU)
    validator(h, BOB, 2, 300n * CRU)
    validator(h, DAVE, 4, 200n * CRU)
    assert.equal(h.call(signed(CHARLIE), 'Staking', 'bond', { controller: id(ctrl(3)), value: 400n * CRU }), undefined)
    assert.equal(h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(ALICE), 400n * CRU] }), undefined)
    assert.equal(h.call(ROOT, 'Staking', 'set_validator_count', { new: 2 }), undefined)
    // Era 1: candidates, none with a stake limit: they stay in at stake 0 ("skip adding to eras_stakers
    // if stake limit goes 0", lib.rs:2233-2237) and the first two in account order are elected.
    h.runTo(ERA)
    const byAccount = [ALICE, BOB, DAVE].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    assert.deepEqual(ErasAuthoritiesOf(h, 1), byAccount.slice(0, 2))
    assert.deepEqual(
      electedValidators(h.state),
      byAccount.slice(0, 2).map((stash) => ({ stash, weight: 1n })),
    )
    assert.equal(ErasTotalStakes.get(h.state, 1), 0n)
    // One-session eras: era 2 was planned with era 1's start, before any workload.
    assert.equal(CurrentEra.get(h.state), 2)
    assert.deepEqual(CurrentElected.get(h.state), byAccount.slice(0, 2))
    // Proven storage: ALICE 450 CRU of workload (of 500 staked), BOB 250 (of 300), DAVE 1 (of 200).
    h.startBlock()
    PendingWorkload.put(h.state, [
      [
        [ALICE, 450n * CRU],
        [BOB, 250n * CRU],
        [DAVE, CRU],
      ],
      701n * CRU,
    ])
    h.endBlock()
    h.runTo(2 * ERA)
    // Era 3 is elected as era 2 starts; era 2 keeps its zero-stake set.
    assert.deepEqual(CurrentElected.get(h.state), [ALICE, BOB])
    assert.deepEqual(
      electedValidators(h.state).map((v) => v.stash),
      byAccount.slice(0, 2),
    )
    const alice = ErasStakers.get(h.state, 3, ALICE)
    assert.deepEqual([alice.own, alice.others.map((o) => o.value), alice.total], [90n * CRU, [360n * CRU], 450n * CRU])
    const bob = 249_999_999_900_000n
    // Unelected candidates with a stake limit have an exposure too, and count in the era's total.
    assert.equal(ErasStakers.get(h.state, 3, DAVE).total, CRU)
    assert.equal(ErasTotalStakes.get(h.state, 3), 450n * CRU + bob + CRU)
    h.runTo(3 * ERA)
    assert.deepEqual(electedValidators(h.state), [
      { stash: ALICE, weight: 450n * CRU },
      { stash: BOB, weight: bob },
    ])
    // Everybody leaves (era 4 is already planned): the last elected set is kept, with its weights.
    for (const c of [1, 2, 4]) assert.equal(h.call(signed(ctrl(c)), 'Staking', 'chill'), undefined)
    h.runTo(5 * ERA)
    assert.deepEqual(electedValidators(h.state), [
      { stash: ALICE, weight: 450n * CRU },
      { stash: BOB, weight: bob },
    ])
  })

  it('behavior: with ValidatorCount above the candidates, a zero-stake candidate is elected next to staked ones, after them', () => {
    const stakes = [
      { stash: ctrl(9), total: 0n },
      { stash: ctrl(1), total: 5n },
      { stash: ctrl(2), total: 0n },
      { stash: ctrl(3), total: 7n },
    ]
    // do_election: stable sort by stake, descending; ties keep their (account) order (lib.rs:2389).
    assert.deepEqual(doElection(stakes, 3), [ctrl(3), ctrl(1), ctrl(9)])
    assert.deepEqual(doElection(stakes, 10), [ctrl(3), ctrl(1), ctrl(9), ctrl(2)])
  })

  it('behavior: exposures older than HistoryDepth eras are cleared when an era is planned', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    HistoryDepth.put(h.state, 2)
    validator(h, ALICE, 1, 100n * CRU)
    StakeLimit.insert(h.state, ALICE, 50n * CRU)
    h.runTo(ERA)
    assert.equal(ErasStakers.get(h.state, 1, ALICE).total, 50n * CRU)
    h.runTo(3 * ERA - 1)
    assert.equal(ErasTotalStakes.get(h.state, 1), 50n * CRU)
    // Era 4 is planned (one session ahead: with era 3's start, eras being one session here): era
    // 4 − 2 − 1 = 1 goes, as Crust's new_era clears it (cstrml/staking/src/lib.rs:1925-1928).
    h.runTo(3 * ERA)
    assert.deepEqual(ErasStakers.get(h.state, 1, ALICE), { total: 0n, own: 0n, others: [] })
    assert.equal(ErasTotalStakes.get(h.state, 1), 0n)
    assert.equal(ErasStakers.get(h.state, 2, ALICE).total, 50n * CRU)
  })

  it('behavior: force_new_era plans a new era, with its election, at the next session; it starts the session after', async () => {
    // 12-block eras of 6 sessions: sessions of 2 blocks.
    const h = await RuntimeHarness.create({ config: { eraLength: 12 } })
    validator(h, ALICE, 1, 100n * CRU)
    StakeLimit.insert(h.state, ALICE, 50n * CRU)
    assert.equal(h.call(ROOT, 'Staking', 'force_new_era'), undefined)
    h.endBlock()
    assert.deepEqual(CurrentElected.get(h.state), [])
    // Session 1 plans era 1 with its election (new_session(2) under ForceNew, cstrml/staking/src/lib.rs:1893-1903);
    // session 2 starts it.
    h.runTo(2)
    assert.deepEqual([ActiveEra.get(h.state)!.index, CurrentEra.get(h.state)], [0, 1])
    assert.deepEqual(CurrentElected.get(h.state), [ALICE])
    h.runTo(4)
    assert.equal(ActiveEra.get(h.state)!.index, 1)
    assert.deepEqual(electedValidators(h.state), [{ stash: ALICE, weight: 50n * CRU }])
  })

  it("behavior: lowering the fee within an era sets that era's recorded fee to 100 %", async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    validator(h, ALICE, 1, 100n * CRU)
    StakeLimit.insert(h.state, ALICE, 50n * CRU)
    h.runTo(ERA)
    assert.deepEqual(ErasValidatorPrefs.get(h.state, 1, ALICE), { guarantee_fee: 500_000_000 })
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'validate', { prefs: { guarantee_fee: 600_000_000 } }), undefined)
    assert.deepEqual(ErasValidatorPrefs.get(h.state, 1, ALICE), { guarantee_fee: 500_000_000 })
    assert.equal(h.call(signed(ctrl(1)), 'Staking', 'validate', { prefs: { guarantee_fee: 100_000_000 } }), undefined)
    assert.deepEqual(ErasValidatorPrefs.get(h.state, 1, ALICE), { guarantee_fee: 1_000_000_000 })
    // Era 2 was planned (with its prefs) before the change; era 3, planned as era 2 starts, has the new fee.
    h.runTo(2 * ERA)
    assert.deepEqual(ErasValidatorPrefs.get(h.state, 2, ALICE), { guarantee_fee: 500_000_000 })
    assert.deepEqual(ErasValidatorPrefs.get(h.state, 3, ALICE), { guarantee_fee: 100_000_000 })
  })

  it('behavior: bond prefills claimed_rewards with the HistoryDepth eras before the current one', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: 2 } })
    h.runTo(90 * 2)
    assert.equal(h.call(signed(ALICE), 'Staking', 'bond', { controller: id(ctrl(1)), value: CRU }), undefined)
    assert.deepEqual(
      Ledger.get(h.state, ctrl(1))!.claimed_rewards,
      // Era 90 is active and era 91 already planned (CurrentEra): [91 − 84, 91) (lib.rs:898-910).
      Array.from({ length: 84 }, (_, i) => 7 + i),
    )
  })

  it('error: root calls reject signed origins', async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    assert.equal(h.call(signed(ALICE), 'Staking', 'set_validator_count', { new: 3 })?.tag, 'BadOrigin')
    assert.equal(h.call(signed(ALICE), 'Staking', 'set_invulnerables', { validators: [ALICE] })?.tag, 'BadOrigin')
    assert.equal(h.call(ROOT, 'Staking', 'set_invulnerables', { validators: [ALICE] }), undefined)
    assert.deepEqual(electedValidators(h.state), [{ stash: ALICE, weight: 1n }])
  })
})
