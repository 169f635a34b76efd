/** Staking (GPoS) rewards: the era reward amount, market's staking pot release. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { depositInto, freeBalance, TotalIssuance } from '../src/pallets/balances.js'
import { STAKING_POT } from '../src/pallets/market/index.js'
import { CurrentBenefits } from '../src/pallets/benefits/index.js'
import {
  authoringSharePercent,
  calculateMarketPayout,
  erasPerYear,
  ErasAuthoringPayout,
  ErasMarketPayout,
  ErasRewardPoints,
  ErasStakingPayout,
  ErasTotalStakes,
  StartRewardEra,
  totalRewardsInEra,
  yearlyRewards,
} from '../src/pallets/staking/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Ledger, StakeLimit } from '../src/pallets/staking/index.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { RuntimeHarness, signed } from './fixtures/runtime-harness.js'
import { assertError } from './fixtures/swork-env.js'

const crust = defaultRuntimeConfig

describe('staking: era reward amount', () => {
  it("behavior: Crust's 6 s blocks and 3_600-block eras give 1_461 eras a year; the dev spec's 1 s / 360 give 87_660", () => {
    assert.equal(erasPerYear(crust), 1461)
    assert.equal(erasPerYear({ blockTimeMs: 1000, eraLength: 360 }), 87_660)
  })

  it('behavior: era 1 pays 5M CRU / 1_461; a year later 88 % of that; nothing before StartRewardEra', async () => {
    const h = await RuntimeHarness.create({ config: { blockTimeMs: 6000, eraLength: 3600 } })
    assert.equal(StartRewardEra.get(h.state), 0)
    TotalIssuance.put(h.state, 100_000_000n * CRU)
    assert.equal(totalRewardsInEra(h.state, crust, 1), 3_422_313_483_915_126n)
    assert.equal(totalRewardsInEra(h.state, crust, 1460), 3_422_313_483_915_126n)
    assert.equal(totalRewardsInEra(h.state, crust, 1461), 3_011_635_865_845_311n)
    StartRewardEra.put(h.state, 10)
    assert.equal(totalRewardsInEra(h.state, crust, 9), 0n)
    assert.equal(totalRewardsInEra(h.state, crust, 10), 3_422_313_483_915_126n)
  })

  it('behavior: the yearly amount never falls below 2.8 % of the total issuance', () => {
    // 1B CRU issued: floor 28M CRU, above the decreased 4.4M.
    assert.equal(yearlyRewards(0, 1_000_000_000n * CRU, 0n), 5_000_000n * CRU)
    assert.equal(yearlyRewards(1, 1_000_000_000n * CRU, 0n), 28_000_000n * CRU)
    assert.equal(yearlyRewards(1, 100_000_000n * CRU, 0n), 4_400_000n * CRU)
    assert.equal(yearlyRewards(3, 100_000_000n * CRU, 0n), 3_407_360n * CRU)
  })

  it('behavior: from year 4 a staking ratio under 30 % adds 8 % × TI × (1 − sr / 30 %)', () => {
    const ti = 100_000_000n * CRU
    // Year 4: 5M × 0.88⁴ = 2_998_476.8 CRU (above the 2.8M floor).
    const base = 2_998_476_800_000_000_000n
    assert.equal(yearlyRewards(4, ti, 30_000_000n * CRU), base)
    assert.equal(yearlyRewards(4, ti, 0n), base + 8_000_000n * CRU)
    assert.equal(yearlyRewards(4, ti, 15_000_000n * CRU), base + 4_000_000n * CRU)
  })

  it("behavior: the year-4 extra uses the era's total stake", async () => {
    const h = await RuntimeHarness.create()
    TotalIssuance.put(h.state, 100_000_000n * CRU)
    ErasTotalStakes.insert(h.state, 4 * 1461, 15_000_000n * CRU)
    assert.equal(totalRewardsInEra(h.state, crust, 4 * 1461), (2_998_476_800_000_000_000n + 4_000_000n * CRU) / 1461n)
  })
})

describe('staking: market staking pot', () => {
  it('behavior: the pot (less the existential deposit) is released over 60 eras, 1/60 each', async () => {
    const h = await RuntimeHarness.create()
    const ctx = { state: h.state, config: h.runtime.config, deposit: () => {} }
    const ed = h.runtime.config.existentialDeposit
    const before = freeBalance(h.state, STAKING_POT)
    assert.ok(depositInto(ctx, STAKING_POT, 60n * CRU + ed - before))
    const issuance = TotalIssuance.get(h.state)
    // 1/60 as a Perbill is 16_666_666 parts: 60 CRU give 0.99999996 CRU an era.
    assert.equal(calculateMarketPayout(ctx, 5), 999_999_960_000n)
    assert.equal(freeBalance(h.state, STAKING_POT), ed)
    assert.equal(TotalIssuance.get(h.state), issuance - 60n * CRU)
    assert.equal(ErasMarketPayout.get(h.state, 5), undefined)
    assert.equal(ErasMarketPayout.get(h.state, 64), 999_999_960_000n)
    assert.equal(ErasMarketPayout.get(h.state, 65), undefined)
    // Another 30 CRU next era: about 0.5 CRU more for each of eras 6..65.
    assert.ok(depositInto(ctx, STAKING_POT, 30n * CRU))
    assert.equal(calculateMarketPayout(ctx, 6), 999_999_960_000n + 499_999_980_000n)
    assert.equal(ErasMarketPayout.get(h.state, 65), 499_999_980_000n)
  })
})

describe('staking: end of era', () => {
  const ERA = 10
  const ALICE = new Uint8Array(32).fill(0xa1)
  const BOB = new Uint8Array(32).fill(0xb0)
  const perbill = (parts: bigint, x: bigint) => (x / 1_000_000_000n) * parts + ((x % 1_000_000_000n) * parts + 499_999_999n) / 1_000_000_000n

  it("behavior: authors earn 20 points a block; the era's GPoS + pot share − used fee quota splits 20 % by points, the rest to ErasStakingPayout", async () => {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA, blockTimeMs: 6000 } })
    const ctx = { state: h.state, config: h.runtime.config, deposit: () => {} }
    const ed = h.runtime.config.existentialDeposit
    assert.ok(depositInto(ctx, STAKING_POT, 60n * CRU + ed - freeBalance(h.state, STAKING_POT)))
    for (let n = 1; n < ERA; n++) {
      h.startBlock(n <= 6 ? ALICE : BOB)
      h.endBlock()
    }
    assert.deepEqual(ErasRewardPoints.get(h.state, 0), {
      total: 180,
      individual: [
        [ALICE, 120],
        [BOB, 60],
      ],
    })
    assert.equal(ErasStakingPayout.get(h.state, 0), undefined)
    // One CRU of fees was waived in era 0.
    CurrentBenefits.put(h.state, { ...CurrentBenefits.get(h.state), active_era: 0, used_fee_reduction_quota: CRU })
    // Era 0 ends as era 1's first block starts.
    h.startBlock(BOB)
    const events = h.endBlock().filter((e) => e.section === 'staking')
    // 6 s blocks, 10-block eras: 525_960 eras a year.
    const gpos = (5_000_000n * CRU) / 525_960n
    assert.equal(gpos, 9_506_426_344_208n)
    const total = gpos + 999_999_960_000n - CRU
    const authoring = perbill(200_000_000n, total)
    assert.equal(ErasAuthoringPayout.get(h.state, 0, ALICE), perbill(666_666_666n, authoring))
    assert.equal(ErasAuthoringPayout.get(h.state, 0, BOB), perbill(333_333_333n, authoring))
    assert.equal(ErasStakingPayout.get(h.state, 0), total - authoring)
    assert.deepEqual(
      events.map((e) => [e.method, e.data.map(String)]),
      [['EraReward', ['0', authoring.toString(), (total - authoring).toString()]]],
    )
    assert.deepEqual(ErasRewardPoints.get(h.state, 1), { total: 20, individual: [[BOB, 20]] })
    // Benefits: era 1's fee-reduction quota is 0.2 % of the whole (pre-deduction) payout.
    const benefits = CurrentBenefits.get(h.state)
    assert.equal(benefits.active_era, 1)
    assert.equal(benefits.used_fee_reduction_quota, 0n)
    assert.equal(benefits.total_fee_reduction_quota, perbill(2_000_000n, gpos + 999_999_960_000n))
    assert.equal(ErasStakingPayout.get(h.state, 1), undefined)
  })

  it('behavior: the authoring share grows with the validator count (20/25/30/40/50 %)', () => {
    assert.deepEqual([1, 500, 501, 1000, 1001, 2500, 2501, 5000, 5001].map(authoringSharePercent), [20n, 20n, 25n, 25n, 30n, 30n, 40n, 40n, 50n])
  })
})

describe('staking: reward_stakers', () => {
  const ERA = 10
  const dev = (name: string) => accountIdOf(devAddress(name))
  const [A, B, G1, G2] = [dev('Alice'), dev('Bob'), dev('Charlie'), dev('Dave')]
  const ctrl = (n: number) => new Uint8Array(32).fill(n)
  const id = (value: Uint8Array) => ({ tag: 'Id', value })
  const ok = (err: unknown) => assert.equal(err, undefined)

  async function twoValidators(): Promise<RuntimeHarness> {
    const h = await RuntimeHarness.create({ config: { eraLength: ERA } })
    ok(h.call(signed(A), 'Staking', 'bond', { controller: id(ctrl(1)), value: 100n * CRU }))
    ok(h.call(signed(ctrl(1)), 'Staking', 'validate', { prefs: { guarantee_fee: 200_000_000 } }))
    ok(h.call(signed(B), 'Staking', 'bond', { controller: id(ctrl(2)), value: 200n * CRU }))
    ok(h.call(signed(ctrl(2)), 'Staking', 'validate', { prefs: { guarantee_fee: 500_000_000 } }))
    ok(h.call(signed(G1), 'Staking', 'bond', { controller: id(ctrl(3)), value: 300n * CRU }))
    ok(h.call(signed(ctrl(3)), 'Staking', 'guarantee', { target_tuple: [id(A), 300n * CRU] }))
    ok(h.call(signed(G2), 'Staking', 'bond', { controller: id(ctrl(4)), value: 200n * CRU }))
    ok(h.call(signed(ctrl(4)), 'Staking', 'guarantee', { target_tuple: [id(B), 200n * CRU] }))
    StakeLimit.insert(h.state, A, 10_000n * CRU)
    StakeLimit.insert(h.state, B, 10_000n * CRU)
    // Era 1 elects both (400 CRU each); era 1 ends at block 20.
    h.runTo(2 * ERA)
    assert.notEqual(ErasStakingPayout.get(h.state, 1), undefined)
    // Round figures: 1000 CRU staking payout, 100 CRU authoring for A only.
    ErasStakingPayout.insert(h.state, 1, 1000n * CRU)
    for (const who of [A, B]) ErasAuthoringPayout.remove(h.state, 1, who)
    ErasAuthoringPayout.insert(h.state, 1, A, 100n * CRU)
    return h
  }

  const bonded = (h: RuntimeHarness, c: number) => Ledger.get(h.state, ctrl(c))!.active

  it('behavior: authoring + stake share; the guarantee fee is shared with guarantors pro rata; rewards are minted and bonded', async () => {
    const h = await twoValidators()
    const free = [A, B, G1, G2].map((w) => freeBalance(h.state, w))
    const issuance = TotalIssuance.get(h.state)
    h.startBlock()
    // A: 100 + 400/800 × 1000 = 600 CRU; 20 % pool = 120, G1 (300 of 400) gets 90, A 510.
    ok(h.call(signed(G2), 'Staking', 'reward_stakers', { validator_stash: A, era: 1 }))
    // B: 400/800 × 1000 = 500 CRU; 50 % pool = 250, G2 (200 of 400) gets 125, B 375.
    ok(h.call(signed(G2), 'Staking', 'reward_stakers', { validator_stash: B, era: 1 }))
    const events = h.endBlock().filter((e) => e.section === 'staking' && e.method === 'Reward')
    assert.deepEqual(
      events.map((e) => e.data.map(String)[1]),
      ['90000000000000', '510000000000000', '125000000000000', '375000000000000'],
    )
    const gains = [A, B, G1, G2].map((w, i) => freeBalance(h.state, w) - free[i]!)
    assert.deepEqual(gains, [510n * CRU, 375n * CRU, 90n * CRU, 125n * CRU])
    assert.equal(TotalIssuance.get(h.state), issuance + 1100n * CRU)
    assert.deepEqual(
      [1, 2, 3, 4].map((c) => bonded(h, c)),
      [610n * CRU, 575n * CRU, 390n * CRU, 325n * CRU],
    )
    assert.ok(Ledger.get(h.state, ctrl(1))!.claimed_rewards.includes(1))
  })

  it('error: AlreadyClaimed for a second claim; InvalidEraToReward outside the window or without a payout; NotStash', async () => {
    const h = await twoValidators()
    ok(h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: A, era: 1 }))
    const after = freeBalance(h.state, A)
    assertError(h, h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: A, era: 1 }), 'AlreadyClaimed')
    assert.equal(freeBalance(h.state, A), after)
    // Era 2 is current: its payout is not set yet; era 3 is in the future.
    assertError(h, h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: B, era: 2 }), 'InvalidEraToReward')
    assertError(h, h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: B, era: 3 }), 'InvalidEraToReward')
    assertError(h, h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: ctrl(9), era: 1 }), 'NotStash')
    // Past HistoryDepth (84) eras the claim window is closed.
    h.runTo((1 + 84 + 1) * ERA)
    ErasStakingPayout.insert(h.state, 1, 1000n * CRU)
    assertError(h, h.call(signed(G1), 'Staking', 'reward_stakers', { validator_stash: B, era: 1 }), 'InvalidEraToReward')
  })
})
