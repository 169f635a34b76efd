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
