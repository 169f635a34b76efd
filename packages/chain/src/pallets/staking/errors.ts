/** Staking's events and errors, in Crust's order (crustio/crust: cstrml/staking `decl_event!`, `decl_error!`). */
import { named, u8, u32 } from '../../primitives/codec/scale-type.js'
import { errors, event } from '../../frame/pallet.js'
import { account, balance, eraIndex, validatorPrefs } from './types.js'

const sessionIndex = named(u32, 'SessionIndex')

/** Tuple-style events, as Crust declares them. */
export const events = {
  Reward: event(0, { who: account, amount: balance }, 'The staker has been rewarded by this amount.', true),
  Slash: event(1, { who: account, amount: balance }, 'One validator (and its guarantors) has been slashed by the given amount.', true),
  OldSlashingReportDiscarded: event(2, { session: sessionIndex }, 'An old slashing report from a prior era was discarded.', true),
  EraReward: event(3, { era: eraIndex, authoring: balance, staking: balance }, 'Total reward at each era: authoring and staking payouts.', true),
  NotEnoughCurrency: event(4, { era: eraIndex, need: balance, has: balance }, 'Not enough currency to reward this era.', true),
  Bonded: event(5, { stash: account, amount: balance }, 'An account has bonded this amount.', true),
  Unbonded: event(6, { stash: account, amount: balance }, 'An account has unbonded this amount.', true),
  Withdrawn: event(
    7,
    { stash: account, amount: balance },
    'An account has called `withdraw_unbonded` and removed unbonding chunks worth `Balance` from the unlocking queue.',
    true,
  ),
  ValidateSuccess: event(8, { controller: account, prefs: validatorPrefs }, 'Someone is a validator candidate now.', true),
  GuaranteeSuccess: event(9, { controller: account, validator: account, votes: balance }, 'Someone guaranteed a validator with this many votes.', true),
  CutGuaranteeSuccess: event(10, { controller: account, validator: account, votes: balance }, 'Someone cut this many votes from a guarantee.', true),
  ChillSuccess: event(11, { controller: account, stash: account }, 'Someone stopped validating or guaranteeing.', true),
  UpdateStakeLimitSuccess: event(12, { owners: named(u32, 'u32') }, "Stake limits were updated from this many owners' workloads.", true),
  EquivocationReported: event(
    13,
    { offender: account, kind: named(u8, 'u8'), reporter: account },
    'Not in Crust: an equivocation (kind 0 block, 1 vote) was proven and reported to the offences pallet.',
    true,
  ),
}

export const stakingErrors = errors({
  NotController: [0, 'Not a controller account.'],
  NotStash: [1, 'Not a stash account.'],
  AlreadyBonded: [2, 'Stash is already bonded.'],
  AlreadyPaired: [3, 'Controller is already paired.'],
  AllGuaranteed: [4, 'All stakes are guaranteed, cannot unbond.'],
  DuplicateIndex: [5, 'Duplicate index.'],
  InvalidSlashIndex: [6, 'Slash record index out of bounds.'],
  InvalidTarget: [7, 'Target is invalid.'],
  InsufficientValue: [8, 'Can not bond with value less than minimum balance.'],
  NoMoreChunks: [9, 'Can not schedule more unlock chunks.'],
  ExceedGuaranteeLimit: [10, 'Attempting to guarantee more than the limit: no free active stake left, or too many targets.'],
  FundedTarget: [11, 'Attempting to target a stash that still has funds.'],
  InvalidEraToReward: [12, 'Invalid era to reward.'],
  AlreadyClaimed: [13, 'Rewards for this era have already been claimed for this validator.'],
  InsufficientCurrency: [14, 'Can not rebond or withdraw without enough currency.'],
  NoUnlockChunk: [15, 'Can not rebond without unlocking chunks.'],
  InsufficientFrozenBond: [16, 'The bond does not cover the balance frozen by other locks.'],
  InvalidEquivocationProof: [17, 'Not in Crust: the evidence does not prove an equivocation by the offender.'],
  DuplicateEquivocationReport: [18, 'Not in Crust: this equivocation has already been reported.'],
  EquivocationFromOtherChain: [
    19,
    'Not in Crust: the evidence is not of this chain (votes signed for another genesis, or blocks whose parent is not a block of this chain).',
  ],
  StaleEquivocation: [20, 'Not in Crust: the offence is too old to be reported (older than MaxOffenceAge eras, or its blocks older than BlockHashCount).'],
  NotAnAuthority: [21, 'Not in Crust: the offender was not an authority of the era the evidence belongs to.'],
})
