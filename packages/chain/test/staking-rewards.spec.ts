/** Staking (GPoS) rewards: the era reward amount, market's staking pot release. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CRU } from '../src/constants.js'
import { depositInto, freeBalance, TotalIssuance } from '../src/pallets/balances.js'
import { STAKING_POT } from '../src/pallets/market/index.js'
import { calculateMarketPayout, erasPerYear, ErasMarketPayout, ErasTotalStakes, StartRewardEra, totalRewardsInEra, yearlyRewards } from '../src/pallets/staking/index.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { RuntimeHarness } from './fixtures/runtime-harness.js'

const crust = defaultRuntimeConfig

describe('staking: era reward amount', () => {
  it('behavior: Crust\'s 6 s blocks and 3_600-block eras give 1_461 eras a year; the dev spec\'s 1 s / 360 give 87_660', () => {
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

  it('behavior: the year-4 extra uses the era\'s total stake', async () => {
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
