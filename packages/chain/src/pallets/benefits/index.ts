/**
 * `benefits`: benefit funds (reserved CRU) for fee-free work reports and merchant collateral, and
 * the functions swork, market, transaction payment and staking call on it. See pallet.ts.
 */
export {
  type BenefitsContext,
  type BenefitsStateContext,
  currentBenefits,
  fileReward,
  maybeFreeReportWorks,
  maybeReduceFee,
  maybeRewardMerchant,
  takeFileReward,
  updateEraBenefit,
  usedFeeReductionQuota,
} from './benefit-interface.js'
export {
  BENEFIT_MARKET_COST_RATIO,
  BENEFIT_REPORT_WORK_COST,
  BENEFITS_LIMIT_RATIO,
  BONDING_DURATION,
  COLLATERAL_RATIO,
  MAX_UNLOCKING_CHUNKS,
} from './constants.js'
export { activeEra, type EraSource } from './era.js'
export { benefitsErrors, benefitsPallet, events as benefitsEvents } from './pallet.js'
export {
  CurrentBenefits,
  type EraBenefits,
  type FundsType,
  type FundsUnlockChunk,
  MARKET,
  type MarketBenefit,
  MarketBenefits,
  SWORK,
  type SworkBenefit,
  SworkBenefits,
} from './types.js'
