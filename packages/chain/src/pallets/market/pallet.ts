import { definePallet, type Pallet } from '../../runtime/pallet.js'

/** The Market pallet (being built). */
export function marketPallet(index: number): Pallet {
  return definePallet({ name: 'Market', index, path: 'pallet_market' })
}
