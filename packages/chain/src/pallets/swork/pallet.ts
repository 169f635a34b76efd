import { definePallet, type Pallet } from '../../runtime/pallet.js'

/** The Swork pallet (being built). */
export function sworkPallet(index: number): Pallet {
  return definePallet({ name: 'Swork', index, path: 'pallet_swork' })
}
