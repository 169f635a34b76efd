import { CRU } from '../../constants.js'

/** Crust's staking parameters (crustio/crust: runtime/src/lib.rs, cstrml/staking/src/lib.rs). */

/** Eras an unbonded chunk stays locked (28 days of 6-hour eras). */
export const BONDING_DURATION = 112
/** Reward claim window in eras (the `HistoryDepth` default). */
export const HISTORY_DEPTH = 84
export const MAX_GUARANTEE = 16
export const MAX_UNLOCKING_CHUNKS = 32
/** Top guarantors (by value) kept in a clipped exposure. */
export const MAX_GUARANTOR_REWARDED_PER_VALIDATOR = 64
/** Bytes of workload per base unit of stake limit. */
export const SPOWER_RATIO = 1n
/** A bond may leave up to this much of other locks' frozen balance uncovered (1 CRU). */
export const UNCHECKED_FROZEN_BOND_FUND = 1_000_000_000_000n
/** The balance lock staking holds on a stash: "staking ". */
export const STAKING_ID = new TextEncoder().encode('staking ')
/** Crust's `DEFAULT_MINIMUM_VALIDATOR_COUNT` is 4; its genesis configs (and ours) use 1. */
export const MINIMUM_VALIDATOR_COUNT = 1
/** GPoS inflation of the first reward year (primitives `FIRST_YEAR_REWARDS`). */
export const FIRST_YEAR_REWARDS = 5_000_000n * CRU
/** Each year's inflation is 88 % of the previous one's (`REWARD_DECREASE_RATIO`). */
export const REWARD_DECREASE_NUMERATOR = 88n
/** Yearly inflation never falls below 2.8 % of the total issuance (`MIN_REWARD_RATIO`, per mille). */
export const MIN_REWARD_PER_MILLE = 28n
/** From this reward year on, a low staking ratio adds extra inflation (`EXTRA_REWARD_START_YEAR`). */
export const EXTRA_REWARD_START_YEAR = 4
/** A Julian year in milliseconds (Crust's eras per year: this / 6_000 / 3_600 = 1_461). */
export const YEAR_MS = 31_557_600_000
/** Eras over which market's staking pot is released (`MarketStakingPotDuration`). */
export const MARKET_STAKING_POT_DURATION = 60
/** `StartRewardEra`'s storage default; genesis may set it (the dev spec: 0). */
export const DEFAULT_START_REWARD_ERA = 100_000
/** Authoring points a block author earns per block. */
export const AUTHORING_POINTS_PER_BLOCK = 20
/** Eras a computed slash waits before it is applied (27 days of 6-hour eras); root may cancel it meanwhile. */
export const SLASH_DEFER_DURATION = 108
/**
 * Not in Crust: how many eras old an offence may be when it is reported. A slash is queued in the
 * active era and applied SLASH_DEFER_DURATION + 1 eras later; stake unbonded in the offence era can
 * be withdrawn BONDING_DURATION eras after it. Only an offence at most BONDING_DURATION −
 * SLASH_DEFER_DURATION − 1 eras old (3: 18 hours of 6-hour eras) is sure to find that stake still
 * bonded when its slash is applied; an older report could slash nothing or only those who stayed.
 */
export const MAX_OFFENCE_AGE_ERAS = BONDING_DURATION - SLASH_DEFER_DURATION - 1
/** Share of the slash reward paid on the first report (`REWARD_F1`, 50 %), in Perbill parts. */
export const REWARD_F1_PARTS = 500_000_000n
/** The `SlashRewardFraction` Crust's chain specs set at genesis (10 %), in Perbill parts. */
export const GENESIS_SLASH_REWARD_FRACTION = 100_000_000
/** Session's `DisabledValidatorsThreshold` (17 %), in Perbill parts: disabling more forces a new era. */
export const DISABLED_VALIDATORS_THRESHOLD_PARTS = 170_000_000n
