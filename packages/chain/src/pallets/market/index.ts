/** `market`: see pallet.ts. */
export { marketPallet } from './pallet.js'
