/** Crust's benefits parameters (crustio/crust: runtime/src/lib.rs, cstrml/benefits/src/lib.rs). */
import { CRU } from '../../constants.js'

/** One fee-free `report_works` per era costs this much SWORK active funds (3 CRU). */
export const BENEFIT_REPORT_WORK_COST = 3n * CRU
/** The era's fee-reduction quota as a share of the previous era's total payout: 0.2 % (Perbill parts). */
export const BENEFITS_LIMIT_RATIO = 2_000_000
/** The share of a fee that a fee reduction waives: 100 % (Perbill parts); the rest would still be charged. */
export const BENEFIT_MARKET_COST_RATIO = 1_000_000_000
/** Eras that cut benefit funds stay reserved before they can be withdrawn (28 days of 6-hour eras). */
export const BONDING_DURATION = 112
/** The most unlocking chunks one account may have per fund type. */
export const MAX_UNLOCKING_CHUNKS = 16
/** Merchant rewards accrue only while (accrued reward + new reward) × this ≤ MARKET active funds. */
export const COLLATERAL_RATIO = 1n
