/**
 * `Benefits` (crustio/crust: cstrml/benefits): CRU an account reserves as benefit funds.
 * SWORK funds buy fee-free work reports (one per 3 CRU per era); MARKET funds are a merchant's
 * collateral, which gates its storage rewards and earns it a share of the era's fee-reduction
 * quota. Cut funds unlock after BondingDuration eras and are then withdrawn (unreserved).
 *
 * Calls, events and errors keep Crust's names, arguments and order (calls as declared in Crust's
 * `decl_module!`: add 0, cut 1, withdraw 2, rebond 3). The era comes from `activeEra` (era.ts),
 * the seam staking replaces. Where Crust's code reports the requested amount in an event although
 * less was moved (a cut capped at the active funds, a rebond of more than is unlocking), we report
 * the amount actually moved.
 */
import { accountId32, compactU128, named, u32, u128 } from '../../primitives/codec/scale-type.js'
import type { StorageAccess } from '../../frame/storage.js'
import { call, constant, DispatchError, definePallet, ensureSigned, errors, event, moduleError, type Pallet } from '../../frame/pallet.js'
import { reservedBalance, reserve, unreserve } from '../balances.js'
import { putMarketBenefit } from './benefit-interface.js'
import { BENEFIT_MARKET_COST_RATIO, BENEFIT_REPORT_WORK_COST, BENEFITS_LIMIT_RATIO, BONDING_DURATION, MAX_UNLOCKING_CHUNKS } from './constants.js'
import { activeEra } from './era.js'
import { consolidateUnlocked, cutFunds, feeReductionCount, rebondFunds } from './funds.js'
import { CurrentBenefits, fundsType, type MarketBenefit, MarketBenefits, perbill, type SworkBenefit, SworkBenefits } from './types.js'

const PALLET = 'Benefits'
const account = named(accountId32, 'AccountId')
const balance = named(u128, 'Balance')
const compactBalance = named(compactU128, 'BalanceOf<T>')

/** The pallet's events (Crust's tuple-style events, in order). */
export const events = {
  AddBenefitFundsSuccess: event(
    0,
    { who: account, value: balance, funds_type: fundsType },
    'Add benefit funds success: the account, the added amount, the fund type.',
    true,
  ),
  CutBenefitFundsSuccess: event(
    1,
    { who: account, value: balance, funds_type: fundsType },
    'Cut benefit funds success: the account, the amount put to unlock, the fund type.',
    true,
  ),
  RebondBenefitFundsSuccess: event(
    2,
    { who: account, value: balance, funds_type: fundsType },
    'Rebond benefit funds success: the account, the rebonded amount, the fund type.',
    true,
  ),
  WithdrawBenefitFundsSuccess: event(
    3,
    { who: account, value: balance },
    'Withdraw benefit funds success: the account, the withdrawn (unreserved) amount.',
    true,
  ),
}

/** Crust's errors, in order. `InsuffientBalance` keeps Crust's spelling so clients decode the same name. */
export const benefitsErrors = errors({
  InsuffientBalance: [0, "Don't have enough money"],
  InvalidTarget: [1, "Don't have benefit records"],
  NoMoreChunks: [2, 'Can not schedule more unlock chunks.'],
  NoUnlockChunk: [3, 'Can not rebond without unlocking chunks.'],
  InsufficientValue: [4, 'Can not bond with value less than minimum balance.'],
})

// Crust's benchmarked weights (cstrml/benefits/src/weight.rs) plus RocksDB read/write costs
// (25 µs / 100 µs per access, Substrate's RocksDbWeight).
const dbWeight = (base: bigint, reads: bigint, writes: bigint) => base + reads * 25_000_000n + writes * 100_000_000n
const WEIGHTS = {
  add: dbWeight(84_000_000n, 7n, 5n),
  cut: dbWeight(63_000_000n, 6n, 4n),
  rebond: dbWeight(71_000_000n, 6n, 4n),
  withdraw: dbWeight(114_000_000n, 8n, 4n),
}

/** Moves `delta` into (positive) or out of (negative) `CurrentBenefits.total_market_active_funds`. */
function adjustMarketActiveFunds(state: StorageAccess, delta: bigint): void {
  if (delta === 0n) return
  const current = CurrentBenefits.get(state)
  const total = current.total_market_active_funds + delta
  CurrentBenefits.put(state, { ...current, total_market_active_funds: total > 0n ? total : 0n })
}

/**
 * If a SWORK record claims more than the account has reserved (something else took reserved
 * funds), trims total and active funds to fit, as Crust's `check_and_update_swork_funds`.
 */
function checkSworkFunds(reserved: bigint, benefit: SworkBenefit): SworkBenefit {
  if (benefit.total_funds <= reserved) return benefit
  const lost = benefit.total_funds - reserved
  const active = benefit.active_funds > lost ? benefit.active_funds - lost : 0n
  return { ...benefit, total_funds: reserved, active_funds: active, total_fee_reduction_count: feeReductionCount(active) }
}

/** The MARKET counterpart of {@link checkSworkFunds} (Crust's `check_and_update_market_funds`). */
function checkMarketFunds(reserved: bigint, benefit: MarketBenefit): MarketBenefit {
  if (benefit.total_funds <= reserved) return benefit
  const lost = benefit.total_funds - reserved
  const active = benefit.active_funds > lost ? benefit.active_funds - lost : 0n
  return { ...benefit, total_funds: reserved, active_funds: active }
}

/** The Benefits pallet at `index` in the runtime. */
export function benefitsPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_benefits',
    storage: [CurrentBenefits, MarketBenefits, SworkBenefits],
    calls: {
      add_benefit_funds: call({
        index: 0,
        args: { value: compactBalance, funds_type: fundsType },
        weight: WEIGHTS.add,
        docs: ['Reserve `value` of free balance as benefit funds of `funds_type`.'],
        dispatch: (ctx, origin, { value, funds_type }) => {
          const who = ensureSigned(origin)
          try {
            reserve(ctx, who, value)
          } catch (err) {
            if (err instanceof DispatchError) throw moduleError(benefitsErrors.InsuffientBalance)
            throw err
          }
          if (funds_type.tag === 'SWORK') {
            const b = SworkBenefits.get(ctx.state, who)
            const active = b.active_funds + value
            SworkBenefits.insert(ctx.state, who, {
              ...b,
              active_funds: active,
              total_funds: b.total_funds + value,
              total_fee_reduction_count: feeReductionCount(active),
            })
          } else {
            const b = MarketBenefits.get(ctx.state, who)
            MarketBenefits.insert(ctx.state, who, { ...b, active_funds: b.active_funds + value, total_funds: b.total_funds + value })
            adjustMarketActiveFunds(ctx.state, value)
          }
          ctx.deposit(events.AddBenefitFundsSuccess, { who, value, funds_type })
        },
      }),
      cut_benefit_funds: call({
        index: 1,
        args: { value: compactBalance, funds_type: fundsType },
        weight: WEIGHTS.cut,
        docs: ['Start unlocking up to `value` of active benefit funds of `funds_type`; withdrawable after BondingDuration eras.'],
        dispatch: (ctx, origin, { value, funds_type }) => {
          const who = ensureSigned(origin)
          const era = activeEra(ctx)
          const ed = ctx.config.existentialDeposit
          let cut: bigint
          if (funds_type.tag === 'SWORK') {
            if (!SworkBenefits.contains(ctx.state, who)) throw moduleError(benefitsErrors.InvalidTarget)
            const b = SworkBenefits.get(ctx.state, who)
            if (b.unlocking_funds.length >= MAX_UNLOCKING_CHUNKS) throw moduleError(benefitsErrors.NoMoreChunks)
            const r = cutFunds(b, value, era, ed)
            cut = r.cut
            if (cut > 0n) SworkBenefits.insert(ctx.state, who, { ...r.benefit, total_fee_reduction_count: feeReductionCount(r.benefit.active_funds) })
          } else {
            if (!MarketBenefits.contains(ctx.state, who)) throw moduleError(benefitsErrors.InvalidTarget)
            const b = MarketBenefits.get(ctx.state, who)
            if (b.unlocking_funds.length >= MAX_UNLOCKING_CHUNKS) throw moduleError(benefitsErrors.NoMoreChunks)
            const r = cutFunds(b, value, era, ed)
            cut = r.cut
            if (cut > 0n) {
              MarketBenefits.insert(ctx.state, who, r.benefit)
              adjustMarketActiveFunds(ctx.state, -cut)
            }
          }
          // The requested `value`, as Crust's event (cstrml/benefits/src/lib.rs:434), not what was put to unlock.
          ctx.deposit(events.CutBenefitFundsSuccess, { who, value, funds_type })
        },
      }),
      withdraw_benefit_funds: call({
        index: 2,
        args: {},
        weight: WEIGHTS.withdraw,
        docs: ['Unreserve every unlocking chunk of both fund types whose era has come.'],
        dispatch: (ctx, origin) => {
          const who = ensureSigned(origin)
          const era = activeEra(ctx)
          let withdrawn = 0n
          if (SworkBenefits.contains(ctx.state, who)) {
            const checked = checkSworkFunds(reservedBalance(ctx.state, who), SworkBenefits.get(ctx.state, who))
            const b = consolidateUnlocked(checked, era)
            const amount = checked.total_funds - b.total_funds
            unreserve(ctx, who, amount)
            if (b.unlocking_funds.length === 0 && b.active_funds === 0n) SworkBenefits.remove(ctx.state, who)
            else SworkBenefits.insert(ctx.state, who, b)
            withdrawn += amount
          }
          if (MarketBenefits.contains(ctx.state, who)) {
            const stored = MarketBenefits.get(ctx.state, who)
            const checked = checkMarketFunds(reservedBalance(ctx.state, who), stored)
            adjustMarketActiveFunds(ctx.state, checked.active_funds - stored.active_funds)
            const b = consolidateUnlocked(checked, era)
            const amount = checked.total_funds - b.total_funds
            unreserve(ctx, who, amount)
            putMarketBenefit(ctx.state, who, b)
            withdrawn += amount
          }
          ctx.deposit(events.WithdrawBenefitFundsSuccess, { who, value: withdrawn })
        },
      }),
      rebond_benefit_funds: call({
        index: 3,
        args: { value: compactBalance, funds_type: fundsType },
        weight: WEIGHTS.rebond,
        docs: ['Take up to `value` of unlocking benefit funds of `funds_type` back into active funds, newest chunks first.'],
        dispatch: (ctx, origin, { value, funds_type }) => {
          const who = ensureSigned(origin)
          const ed = ctx.config.existentialDeposit
          let rebonded: bigint
          if (funds_type.tag === 'SWORK') {
            if (!SworkBenefits.contains(ctx.state, who)) throw moduleError(benefitsErrors.InvalidTarget)
            const b = SworkBenefits.get(ctx.state, who)
            if (b.unlocking_funds.length === 0) throw moduleError(benefitsErrors.NoUnlockChunk)
            const r = rebondFunds(b, value)
            if (r.benefit.active_funds < ed) throw moduleError(benefitsErrors.InsufficientValue)
            rebonded = r.rebonded
            SworkBenefits.insert(ctx.state, who, { ...r.benefit, total_fee_reduction_count: feeReductionCount(r.benefit.active_funds) })
          } else {
            if (!MarketBenefits.contains(ctx.state, who)) throw moduleError(benefitsErrors.InvalidTarget)
            const b = MarketBenefits.get(ctx.state, who)
            if (b.unlocking_funds.length === 0) throw moduleError(benefitsErrors.NoUnlockChunk)
            const r = rebondFunds(b, value)
            if (r.benefit.active_funds < ed) throw moduleError(benefitsErrors.InsufficientValue)
            rebonded = r.rebonded
            MarketBenefits.insert(ctx.state, who, r.benefit)
            adjustMarketActiveFunds(ctx.state, rebonded)
          }
          // The requested `value`, as Crust's event (cstrml/benefits/src/lib.rs:533), not what was rebonded.
          ctx.deposit(events.RebondBenefitFundsSuccess, { who, value, funds_type })
        },
      }),
    },
    events,
    errors: benefitsErrors,
    constants: {
      BenefitReportWorkCost: constant(balance, () => BENEFIT_REPORT_WORK_COST, 'SWORK active funds that pay for one fee-free work report per era (3 CRU).'),
      BenefitsLimitRatio: constant(perbill, () => BENEFITS_LIMIT_RATIO, "The era's fee-reduction quota as a share of the previous era's total payout (0.2 %)."),
      BenefitMarketCostRatio: constant(perbill, () => BENEFIT_MARKET_COST_RATIO, 'The share of a fee a fee reduction waives (100 %).'),
      BondingDuration: constant(named(u32, 'EraIndex'), () => BONDING_DURATION, 'Eras cut funds stay reserved before they can be withdrawn (112).'),
    },
    // Staking hands each era over at its start (`updateEraBenefit` from its end_era).
  })
}
