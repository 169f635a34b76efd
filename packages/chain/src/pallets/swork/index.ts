/** `swork`: see pallet.ts. */
export { sworkPallet } from './pallet.js'
