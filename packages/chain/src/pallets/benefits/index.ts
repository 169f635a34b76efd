/** `benefits`: see pallet.ts. */
export { benefitsPallet } from './pallet.js'
