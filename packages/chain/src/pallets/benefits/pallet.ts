import { definePallet, type Pallet } from '../../runtime/pallet.js'

/** The Benefits pallet (being built). */
export function benefitsPallet(index: number): Pallet {
  return definePallet({ name: 'Benefits', index, path: 'pallet_benefits' })
}
