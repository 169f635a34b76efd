/** `benefits`: see pallet.ts. */
export { benefitsPallet } from './pallet.js'
export { maybeRewardMerchant, takeFileReward } from './market-hooks-stub.js'
