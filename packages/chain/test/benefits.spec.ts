/** The Benefits pallet: benefit funds, free work reports, the collateral gate and fee reduction. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { typesBundleForPolkadot } from '@crustio/type-definitions'
import { TypeRegistry } from '@polkadot/types'
import { CRU } from '../src/constants.js'
import { reservedBalance } from '../src/pallets/balances.js'
import {
  activeEra,
  BONDING_DURATION,
  CurrentBenefits,
  fileReward,
  MARKET,
  MarketBenefits,
  maybeFreeReportWorks,
  maybeReduceFee,
  maybeRewardMerchant,
  SWORK,
  SworkBenefits,
  takeFileReward,
  updateEraBenefit,
  usedFeeReductionQuota,
} from '../src/pallets/benefits/index.js'
import { perbillFromRational, perbillMul } from '../src/primitives/perbill.js'
import { eraBenefits, marketBenefit, sworkBenefit } from '../src/pallets/benefits/types.js'
import { Account } from '../src/pallets/system.js'
import type { DispatchErrorValue } from '../src/primitives/substrate-types.js'
import { accountIdOf, devAddress } from '../src/spec/chain-spec.js'
import { type DecodedEvent, RuntimeHarness, signed } from './fixtures/runtime-harness.js'

const ED = 100_000_000n
let alice: Uint8Array
let bob: Uint8Array

async function harness(eraLength = 10): Promise<RuntimeHarness> {
  const h = await RuntimeHarness.create({ config: { eraLength } })
  alice = accountIdOf(devAddress('Alice'))
  bob = accountIdOf(devAddress('Bob'))
  return h
}

/** A context for the cross-pallet functions, as in the last finalized block. */
const ctxOf = (h: RuntimeHarness) => ({ state: h.state, config: h.runtime.config, blockNumber: h.number })

/** Runs one call in its own block; returns its error name (undefined on success) and the block's events. */
function run(h: RuntimeHarness, who: Uint8Array, call: string, args: Record<string, unknown> = {}): { error: string | undefined; events: DecodedEvent[] } {
  h.startBlock()
  const err = h.call(signed(who), 'Benefits', call, args)
  const events = h.endBlock()
  return { error: errorName(h, err), events }
}

function errorName(h: RuntimeHarness, err: DispatchErrorValue | undefined): string | undefined {
  if (err === undefined) return undefined
  if (err.tag !== 'Module') return err.tag
  const { index, error } = err.value as { index: number; error: Uint8Array }
  return h.runtime.registry.findMetaError(Uint8Array.of(index, error[0]!)).name
}

const benefitsEvents = (events: DecodedEvent[]) =>
  events.filter((e) => e.section === 'benefits').map((e) => [e.method, ...e.data.map((d) => (d as { toString(): string }).toString())])

const add = (value: bigint, type = SWORK) => ({ value, funds_type: type })

describe('benefits', () => {
  it('behavior: add_benefit_funds reserves the value, sets the free report count and the market totals', async () => {
    const h = await harness()
    const free0 = Account.get(h.state, alice).data.free
    const r = run(h, alice, 'add_benefit_funds', add(10n * CRU))
    assert.equal(r.error, undefined)
    assert.equal(reservedBalance(h.state, alice), 10n * CRU)
    assert.equal(Account.get(h.state, alice).data.free, free0 - 10n * CRU)
    assert.deepEqual(SworkBenefits.get(h.state, alice), {
      total_funds: 10n * CRU,
      active_funds: 10n * CRU,
      total_fee_reduction_count: 3,
      used_fee_reduction_count: 0,
      refreshed_at: 0,
      unlocking_funds: [],
    })
    const reserved = r.events.find((e) => e.section === 'balances' && e.method === 'Reserved')
    assert.ok(reserved !== undefined)
    assert.equal(String(reserved.data[1]), String(10n * CRU))
    assert.deepEqual(benefitsEvents(r.events), [['AddBenefitFundsSuccess', devAddress('Alice'), String(10n * CRU), 'SWORK']])

    assert.equal(run(h, alice, 'add_benefit_funds', add(5n * CRU, MARKET)).error, undefined)
    assert.equal(run(h, bob, 'add_benefit_funds', add(7n * CRU, MARKET)).error, undefined)
    assert.equal(reservedBalance(h.state, alice), 15n * CRU)
    assert.equal(MarketBenefits.get(h.state, alice).active_funds, 5n * CRU)
    assert.equal(MarketBenefits.get(h.state, alice).total_funds, 5n * CRU)
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 12n * CRU)
    // 8 CRU more SWORK: 18 CRU active -> 6 free reports.
    assert.equal(run(h, alice, 'add_benefit_funds', add(8n * CRU)).error, undefined)
    assert.equal(SworkBenefits.get(h.state, alice).total_fee_reduction_count, 6)
  })

  it('error: add_benefit_funds beyond the free balance fails with InsuffientBalance and changes nothing', async () => {
    const h = await harness()
    const before = Account.get(h.state, alice)
    const r = run(h, alice, 'add_benefit_funds', add(before.data.free + 1n))
    assert.equal(r.error, 'InsuffientBalance')
    assert.deepEqual(Account.get(h.state, alice), before)
    assert.equal(SworkBenefits.contains(h.state, alice), false)
    assert.deepEqual(benefitsEvents(r.events), [])
  })

  it('behavior: free work reports: floor(SWORK active funds / 3 CRU) per era, reset in the next era', async () => {
    const h = await harness(10)
    assert.equal(maybeFreeReportWorks(ctxOf(h), alice), false, 'no funds, no free report')
    assert.equal(SworkBenefits.contains(h.state, alice), false, 'a refused free report writes nothing')
    run(h, alice, 'add_benefit_funds', add(9n * CRU + 1n))
    const ctx = ctxOf(h)
    assert.deepEqual(
      [1, 2, 3, 4].map(() => maybeFreeReportWorks(ctx, alice)),
      [true, true, true, false],
    )
    assert.equal(SworkBenefits.get(h.state, alice).used_fee_reduction_count, 3)
    h.runTo(9)
    assert.equal(maybeFreeReportWorks(ctxOf(h), alice), false, 'still era 0')
    h.runTo(10)
    assert.equal(activeEra(ctxOf(h)), 1)
    assert.deepEqual(
      [1, 2, 3, 4].map(() => maybeFreeReportWorks(ctxOf(h), alice)),
      [true, true, true, false],
    )
    assert.equal(SworkBenefits.get(h.state, alice).refreshed_at, 1)
    // Cutting funds lowers the count at once.
    run(h, alice, 'cut_benefit_funds', add(3n * CRU))
    assert.equal(SworkBenefits.get(h.state, alice).total_fee_reduction_count, 2)
    h.runTo(20)
    assert.deepEqual(
      [1, 2, 3].map(() => maybeFreeReportWorks(ctxOf(h), alice)),
      [true, true, false],
    )
  })

  it('behavior: cut moves funds to an unlocking chunk that withdraw releases only after BondingDuration eras', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(100n * CRU))
    const r = run(h, alice, 'cut_benefit_funds', add(40n * CRU))
    assert.equal(r.error, undefined)
    assert.deepEqual(benefitsEvents(r.events), [['CutBenefitFundsSuccess', devAddress('Alice'), String(40n * CRU), 'SWORK']])
    const b = SworkBenefits.get(h.state, alice)
    assert.deepEqual(b.unlocking_funds, [{ value: 40n * CRU, era: BONDING_DURATION }])
    assert.equal(b.active_funds, 60n * CRU)
    assert.equal(b.total_funds, 100n * CRU)
    assert.equal(b.total_fee_reduction_count, 20)
    assert.equal(reservedBalance(h.state, alice), 100n * CRU, 'cut funds stay reserved')

    // The last block of era 111: nothing has matured.
    h.runTo(BONDING_DURATION * 10 - 2)
    const early = run(h, alice, 'withdraw_benefit_funds')
    assert.equal(activeEra(ctxOf(h)), BONDING_DURATION - 1)
    assert.equal(early.error, undefined)
    assert.deepEqual(benefitsEvents(early.events), [['WithdrawBenefitFundsSuccess', devAddress('Alice'), '0']])
    assert.equal(reservedBalance(h.state, alice), 100n * CRU)

    // The first block of era 112.
    const free = Account.get(h.state, alice).data.free
    const late = run(h, alice, 'withdraw_benefit_funds')
    assert.equal(activeEra(ctxOf(h)), BONDING_DURATION)
    assert.deepEqual(benefitsEvents(late.events), [['WithdrawBenefitFundsSuccess', devAddress('Alice'), String(40n * CRU)]])
    const unreserved = late.events.find((e) => e.section === 'balances' && e.method === 'Unreserved')
    assert.equal(String(unreserved?.data[1]), String(40n * CRU))
    assert.equal(reservedBalance(h.state, alice), 60n * CRU)
    assert.equal(Account.get(h.state, alice).data.free, free + 40n * CRU)
    assert.deepEqual(SworkBenefits.get(h.state, alice), { ...b, total_funds: 60n * CRU, unlocking_funds: [], refreshed_at: 0 })
  })

  it('behavior: withdrawing everything removes the records of both fund types', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(10n * CRU))
    run(h, alice, 'add_benefit_funds', add(20n * CRU, MARKET))
    run(h, alice, 'cut_benefit_funds', add(10n * CRU))
    run(h, alice, 'cut_benefit_funds', add(50n * CRU, MARKET))
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 0n)
    h.runTo(BONDING_DURATION * 10 + 5)
    const r = run(h, alice, 'withdraw_benefit_funds')
    assert.deepEqual(benefitsEvents(r.events), [['WithdrawBenefitFundsSuccess', devAddress('Alice'), String(30n * CRU)]])
    assert.equal(SworkBenefits.contains(h.state, alice), false)
    assert.equal(MarketBenefits.contains(h.state, alice), false)
    assert.equal(reservedBalance(h.state, alice), 0n)
  })

  it('behavior: rebond takes the newest chunks back first; its event carries the requested value', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(100n * CRU, MARKET))
    run(h, alice, 'cut_benefit_funds', add(10n * CRU, MARKET))
    h.runTo(15)
    run(h, alice, 'cut_benefit_funds', add(20n * CRU, MARKET))
    run(h, alice, 'cut_benefit_funds', add(30n * CRU, MARKET))
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 40n * CRU)

    const r = run(h, alice, 'rebond_benefit_funds', add(40n * CRU, MARKET))
    assert.equal(r.error, undefined)
    assert.deepEqual(benefitsEvents(r.events), [['RebondBenefitFundsSuccess', devAddress('Alice'), String(40n * CRU), 'MARKET']])
    let b = MarketBenefits.get(h.state, alice)
    assert.deepEqual(b.unlocking_funds, [
      { value: 10n * CRU, era: BONDING_DURATION },
      { value: 10n * CRU, era: BONDING_DURATION + 1 },
    ])
    assert.equal(b.active_funds, 80n * CRU)
    assert.equal(b.total_funds, 100n * CRU)
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 80n * CRU)

    // Asking for more than is unlocking rebonds what there is; the event names the requested value
    // (cstrml/benefits/src/lib.rs:533 deposits RebondBenefitFundsSuccess(who, value, funds_type)).
    const all = run(h, alice, 'rebond_benefit_funds', add(1000n * CRU, MARKET))
    assert.deepEqual(benefitsEvents(all.events), [['RebondBenefitFundsSuccess', devAddress('Alice'), String(1000n * CRU), 'MARKET']])
    b = MarketBenefits.get(h.state, alice)
    assert.deepEqual(b.unlocking_funds, [])
    assert.equal(b.active_funds, 100n * CRU)
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 100n * CRU)

    // SWORK: the free report count follows the active funds.
    run(h, bob, 'add_benefit_funds', add(30n * CRU))
    run(h, bob, 'cut_benefit_funds', add(30n * CRU))
    assert.equal(SworkBenefits.get(h.state, bob).total_fee_reduction_count, 0)
    run(h, bob, 'rebond_benefit_funds', add(9n * CRU))
    assert.equal(SworkBenefits.get(h.state, bob).total_fee_reduction_count, 3)
  })

  it('error: a 17th unlocking chunk fails with NoMoreChunks', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(100n * CRU))
    for (let i = 0; i < 16; i++) assert.equal(run(h, alice, 'cut_benefit_funds', add(CRU)).error, undefined)
    const before = SworkBenefits.get(h.state, alice)
    assert.equal(before.unlocking_funds.length, 16)
    const r = run(h, alice, 'cut_benefit_funds', add(CRU))
    assert.equal(r.error, 'NoMoreChunks')
    assert.deepEqual(SworkBenefits.get(h.state, alice), before)
    // A withdrawal after the chunks matured makes room again.
    h.runTo(BONDING_DURATION * 10 + 10)
    run(h, alice, 'withdraw_benefit_funds')
    assert.equal(run(h, alice, 'cut_benefit_funds', add(CRU)).error, undefined)
  })

  it('behavior: a cut leaving less than the existential deposit active takes the dust along', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(10n * CRU, MARKET))
    // The event names the requested value (cstrml/benefits/src/lib.rs:434), not the cut with its dust.
    const r = run(h, alice, 'cut_benefit_funds', add(10n * CRU - ED / 2n, MARKET))
    assert.deepEqual(benefitsEvents(r.events), [['CutBenefitFundsSuccess', devAddress('Alice'), String(10n * CRU - ED / 2n), 'MARKET']])
    const b = MarketBenefits.get(h.state, alice)
    assert.equal(b.active_funds, 0n)
    assert.deepEqual(b.unlocking_funds, [{ value: 10n * CRU, era: BONDING_DURATION }])
    assert.equal(CurrentBenefits.get(h.state).total_market_active_funds, 0n)
    // A remainder of exactly the existential deposit stays bonded.
    run(h, bob, 'add_benefit_funds', add(10n * CRU))
    run(h, bob, 'cut_benefit_funds', add(10n * CRU - ED))
    assert.equal(SworkBenefits.get(h.state, bob).active_funds, ED)
    // Cutting more than is active cuts what is active.
    const over = run(h, bob, 'cut_benefit_funds', add(50n * CRU))
    assert.deepEqual(benefitsEvents(over.events), [['CutBenefitFundsSuccess', devAddress('Bob'), String(50n * CRU), 'SWORK']])
    assert.equal(SworkBenefits.get(h.state, bob).active_funds, 0n)
  })

  it('error: cut and rebond without a record fail with InvalidTarget; rebond without chunks with NoUnlockChunk', async () => {
    const h = await harness(10)
    assert.equal(run(h, alice, 'cut_benefit_funds', add(CRU)).error, 'InvalidTarget')
    assert.equal(run(h, alice, 'cut_benefit_funds', add(CRU, MARKET)).error, 'InvalidTarget')
    assert.equal(run(h, alice, 'rebond_benefit_funds', add(CRU)).error, 'InvalidTarget')
    assert.equal(run(h, alice, 'rebond_benefit_funds', add(CRU, MARKET)).error, 'InvalidTarget')
    run(h, alice, 'add_benefit_funds', add(10n * CRU))
    assert.equal(run(h, alice, 'rebond_benefit_funds', add(CRU)).error, 'NoUnlockChunk')
    assert.equal(run(h, alice, 'cut_benefit_funds', add(CRU, MARKET)).error, 'InvalidTarget', 'SWORK funds are not MARKET funds')
  })

  it('error: a rebond leaving active funds below the existential deposit fails with InsufficientValue', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(10n * CRU))
    run(h, alice, 'cut_benefit_funds', add(10n * CRU))
    const before = SworkBenefits.get(h.state, alice)
    assert.equal(run(h, alice, 'rebond_benefit_funds', add(ED - 1n)).error, 'InsufficientValue')
    assert.deepEqual(SworkBenefits.get(h.state, alice), before)
    assert.equal(run(h, alice, 'rebond_benefit_funds', add(ED)).error, undefined)
    assert.equal(SworkBenefits.get(h.state, alice).active_funds, ED)
  })

  it('behavior: the collateral gate accrues a reward only while accrued + reward ≤ MARKET active funds', async () => {
    const h = await harness()
    assert.equal(maybeRewardMerchant(ctxOf(h), alice, 1n), false, 'no collateral')
    assert.equal(maybeRewardMerchant(ctxOf(h), alice, 0n), true, 'a zero reward always fits')
    assert.equal(MarketBenefits.contains(h.state, alice), false)
    run(h, alice, 'add_benefit_funds', add(10n * CRU, MARKET))
    assert.equal(maybeRewardMerchant(ctxOf(h), alice, 6n * CRU), true)
    const within = MarketBenefits.get(h.state, alice)
    assert.equal(within.file_reward, 6n * CRU)
    assert.equal(maybeRewardMerchant(ctxOf(h), alice, 4n * CRU + 1n), false, 'over the collateral')
    assert.deepEqual(MarketBenefits.get(h.state, alice), within, 'a refused reward changes nothing')
    assert.equal(maybeRewardMerchant(ctxOf(h), alice, 4n * CRU), true, 'exactly the collateral')
    assert.equal(fileReward(h.state, alice), 10n * CRU)
    // SWORK funds are no collateral.
    run(h, bob, 'add_benefit_funds', add(100n * CRU))
    assert.equal(maybeRewardMerchant(ctxOf(h), bob, CRU), false)
  })

  it('behavior: takeFileReward returns the accrued reward once and removes a record left empty', async () => {
    const h = await harness(10)
    assert.equal(takeFileReward(ctxOf(h), alice), 0n)
    run(h, alice, 'add_benefit_funds', add(10n * CRU, MARKET))
    maybeRewardMerchant(ctxOf(h), alice, 3n * CRU)
    assert.equal(takeFileReward(ctxOf(h), alice), 3n * CRU)
    assert.equal(takeFileReward(ctxOf(h), alice), 0n)
    assert.equal(MarketBenefits.get(h.state, alice).active_funds, 10n * CRU)

    // Collateral withdrawn while a reward is pending: the record stays until the reward is taken.
    maybeRewardMerchant(ctxOf(h), alice, 2n * CRU)
    run(h, alice, 'cut_benefit_funds', add(10n * CRU, MARKET))
    h.runTo(BONDING_DURATION * 10 + 1)
    run(h, alice, 'withdraw_benefit_funds')
    assert.equal(MarketBenefits.contains(h.state, alice), true)
    assert.equal(reservedBalance(h.state, alice), 0n)
    assert.equal(takeFileReward(ctxOf(h), alice), 2n * CRU)
    assert.equal(MarketBenefits.contains(h.state, alice), false)
  })

  it('behavior: without a fee-reduction quota (genesis, until staking sets one) no fee is waived', async () => {
    const h = await harness()
    run(h, alice, 'add_benefit_funds', add(10n * CRU, MARKET))
    assert.equal(CurrentBenefits.get(h.state).total_fee_reduction_quota, 0n)
    assert.equal(maybeReduceFee(ctxOf(h), alice, 1n), false)
    assert.equal(CurrentBenefits.get(h.state).used_fee_reduction_quota, 0n)
  })

  it('behavior: fee reduction waives fees within the account share of the quota and the global quota, per era', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(30n * CRU, MARKET))
    run(h, bob, 'add_benefit_funds', add(10n * CRU, MARKET))
    CurrentBenefits.put(h.state, { ...CurrentBenefits.get(h.state), total_fee_reduction_quota: 1000n })
    const ctx = ctxOf(h)
    // Alice's quota: 30/40 of 1000 = 750; Bob's: 250.
    assert.equal(maybeReduceFee(ctx, alice, 500n), true)
    assert.equal(maybeReduceFee(ctx, alice, 300n), false, '800 > 750')
    assert.equal(maybeReduceFee(ctx, alice, 250n), true, 'exactly 750')
    assert.equal(MarketBenefits.get(h.state, alice).used_fee_reduction_quota, 750n)
    assert.equal(maybeReduceFee(ctx, bob, 251n), false)
    assert.equal(maybeReduceFee(ctx, bob, 250n), true)
    assert.equal(maybeReduceFee(ctx, accountIdOf(devAddress('Charlie')), 1n), false, 'no MARKET funds, no quota')
    assert.equal(maybeReduceFee(ctx, alice, 0n), false, 'nothing to waive')
    assert.equal(CurrentBenefits.get(h.state).used_fee_reduction_quota, 1000n)
    assert.equal(usedFeeReductionQuota(h.state, 0), 1000n)
    assert.equal(usedFeeReductionQuota(h.state, 1), 0n)

    // The next era: used quotas restart; staking sets the quota from era 0's payout (put back to 1000 here).
    h.runTo(10)
    assert.equal(CurrentBenefits.get(h.state).active_era, 1)
    assert.equal(CurrentBenefits.get(h.state).used_fee_reduction_quota, 0n)
    assert.ok(CurrentBenefits.get(h.state).total_fee_reduction_quota > 1000n)
    CurrentBenefits.put(h.state, { ...CurrentBenefits.get(h.state), total_fee_reduction_quota: 1000n })
    assert.equal(maybeReduceFee(ctxOf(h), alice, 750n), true)
    assert.equal(MarketBenefits.get(h.state, alice).refreshed_at, 1)
    assert.equal(usedFeeReductionQuota(h.state, 1), 750n)

    // The global quota caps the waivers even when an account has quota left.
    CurrentBenefits.put(h.state, { ...CurrentBenefits.get(h.state), used_fee_reduction_quota: 900n })
    assert.equal(maybeReduceFee(ctxOf(h), bob, 101n), false)
    assert.equal(maybeReduceFee(ctxOf(h), bob, 100n), true)
  })

  it('behavior: updateEraBenefit sets the quota to 0.2 % of the payout and returns the quota used', async () => {
    const h = await harness(10)
    run(h, alice, 'add_benefit_funds', add(10n * CRU, MARKET))
    assert.equal(updateEraBenefit(ctxOf(h), 0, 3_422n * CRU), 0n)
    assert.equal(CurrentBenefits.get(h.state).total_fee_reduction_quota, 6_844_000_000_000n)
    assert.equal(maybeReduceFee(ctxOf(h), alice, 2n * CRU), true)
    assert.equal(usedFeeReductionQuota(h.state, 0), 2n * CRU)
    h.runTo(10)
    assert.equal(usedFeeReductionQuota(h.state, 1), 0n)
    assert.equal(updateEraBenefit(ctxOf(h), 2, 0n), 0n, 'the roll-over hook already reset era 1')
    assert.equal(CurrentBenefits.get(h.state).active_era, 2)
    assert.equal(CurrentBenefits.get(h.state).total_fee_reduction_quota, 0n)
  })

  it('behavior: CurrentBenefits.active_era follows the block-number era', async () => {
    const h = await harness(10)
    h.runTo(9)
    assert.equal(CurrentBenefits.get(h.state).active_era, 0)
    h.runTo(10)
    assert.equal(CurrentBenefits.get(h.state).active_era, 1)
    h.runTo(35)
    assert.equal(CurrentBenefits.get(h.state).active_era, 3)
  })

  it('behavior: metadata lists Crust calls, events, errors and constants in order', async () => {
    const h = await harness()
    const md = h.runtime.registry.metadata
    const pallet = md.pallets.find((p) => p.name.eq('Benefits'))!
    const lookup = md.lookup
    const variants = (id: { toNumber(): number }) => lookup.getSiType(id.toNumber()).def.asVariant.variants.map((v) => v.name.toString())
    assert.deepEqual(variants(pallet.calls.unwrap().type), ['add_benefit_funds', 'cut_benefit_funds', 'withdraw_benefit_funds', 'rebond_benefit_funds'])
    assert.deepEqual(variants(pallet.events.unwrap().type), [
      'AddBenefitFundsSuccess',
      'CutBenefitFundsSuccess',
      'RebondBenefitFundsSuccess',
      'WithdrawBenefitFundsSuccess',
    ])
    assert.deepEqual(variants(pallet.errors.unwrap().type), ['InsuffientBalance', 'InvalidTarget', 'NoMoreChunks', 'NoUnlockChunk', 'InsufficientValue'])
    const consts = Object.fromEntries(pallet.constants.map((c) => [c.name.toString(), c.value.toU8a(true)]))
    const api = h.runtime.registry
    assert.equal(api.createType('u128', consts['BenefitReportWorkCost']).toBigInt(), 3n * CRU)
    assert.equal(api.createType('u32', consts['BenefitsLimitRatio']).toNumber(), 2_000_000)
    assert.equal(api.createType('u32', consts['BenefitMarketCostRatio']).toNumber(), 1_000_000_000)
    assert.equal(api.createType('u32', consts['BondingDuration']).toNumber(), 112)
    assert.deepEqual(
      pallet.storage.unwrap().items.map((i) => i.name.toString()),
      ['CurrentBenefits', 'MarketBenefits', 'SworkBenefits'],
    )
  })

  it('behavior: @crustio/type-definitions decodes our stored EraBenefits, MarketBenefit and SworkBenefit', () => {
    const registry = new TypeRegistry()
    registry.register(typesBundleForPolkadot.spec.crust.types[0]!.types as never)
    const chunks = [
      { value: 5n * CRU, era: 112 },
      { value: 1n, era: 70_000 },
    ]
    const market = {
      total_funds: 2n ** 100n,
      active_funds: 7n * CRU,
      used_fee_reduction_quota: 63n,
      file_reward: 64n,
      refreshed_at: 16_384,
      unlocking_funds: chunks,
    }
    const decodedMarket = registry.createType('MarketBenefit', marketBenefit.codec.enc(market)).toJSON() as Record<string, unknown>
    assert.deepEqual(decodedMarket, {
      total_funds: `0x${(2n ** 100n).toString(16).padStart(32, '0')}`,
      active_funds: 7_000_000_000_000,
      used_fee_reduction_quota: 63,
      file_reward: 64,
      refreshed_at: 16_384,
      unlocking_funds: [
        { value: 5_000_000_000_000, era: 112 },
        { value: 1, era: 70_000 },
      ],
    })
    const swork = {
      total_funds: 9n * CRU,
      active_funds: 6n * CRU,
      total_fee_reduction_count: 2,
      used_fee_reduction_count: 1,
      refreshed_at: 3,
      unlocking_funds: chunks.slice(0, 1),
    }
    assert.deepEqual(registry.createType('SworkBenefit', sworkBenefit.codec.enc(swork)).toJSON(), {
      total_funds: 9_000_000_000_000,
      active_funds: 6_000_000_000_000,
      total_fee_reduction_count: 2,
      used_fee_reduction_count: 1,
      refreshed_at: 3,
      unlocking_funds: [{ value: 5_000_000_000_000, era: 112 }],
    })
    const era = { total_fee_reduction_quota: 1000n, total_market_active_funds: 40n * CRU, used_fee_reduction_quota: 250n, active_era: 7 }
    assert.deepEqual(registry.createType('EraBenefits', eraBenefits.codec.enc(era)).toJSON(), {
      total_fee_reduction_quota: 1000,
      total_market_active_funds: 40_000_000_000_000,
      used_fee_reduction_quota: 250,
      active_era: 7,
    })
    assert.equal(registry.createType('FundsType', 1).toString(), 'MARKET')
  })

  it('behavior: Perbill arithmetic matches sp-arithmetic 3.0', () => {
    const ONE = 1_000_000_000n
    assert.equal(perbillFromRational(2n, 1000n), 2_000_000n)
    assert.equal(perbillMul(perbillFromRational(1n, 3n), 30n), 10n)
    assert.equal(perbillFromRational(1n, 0n), ONE)
    assert.equal(perbillFromRational(5n, 3n), ONE)
    assert.equal(perbillFromRational(0n, 0n), 0n)
    assert.equal(perbillFromRational(ONE - 1n, ONE + 1n), ONE - 2n)
    assert.equal(perbillFromRational(1n, ONE - 1n), 1n)
    assert.equal(perbillFromRational(2n, 2n * ONE - 1n), 1n)
    assert.equal(perbillFromRational(1n, ONE + 1n), 0n)
    // Rounds to nearest, exact halves down.
    assert.equal(perbillMul(350_000_000n, 10n), 3n)
    assert.equal(perbillMul(360_000_000n, 10n), 4n)
    assert.equal(perbillMul(500_000_000n, 3n), 1n)
    assert.equal(perbillMul(ONE, 2n ** 128n - 1n), 2n ** 128n - 1n)
  })
})
