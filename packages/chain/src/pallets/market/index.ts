/** `market`: see pallet.ts. */
export { marketPallet } from './pallet.js'
export { upsertReplica, deleteReplica, fileExists, type ReplicaChange } from './replicas.js'
export { fileFee, splitPayment } from './orders.js'
export { calculateSpower } from './spower.js'
export { anchorFiles } from './anchor-files.js'
export { RESERVED_POT, STAKING_POT, STORAGE_POT, MAXIMUM_FILE_SIZE } from './constants.js'
export * as MarketStorage from './storage.js'
export { marketErrors, marketEvents } from './errors.js'

import type { StorageAccess } from '../../frame/storage.js'
import { endowAtGenesis } from '../balances.js'
import { RESERVED_POT as R, STAKING_POT as K, STORAGE_POT as T } from './constants.js'
import { EnableMarket } from './storage.js'

/** Market genesis: the switch, and each pot seeded with the existential deposit. */
export function buildMarketGenesis(state: StorageAccess, genesis: { enabled: boolean }, existentialDeposit: bigint): void {
  EnableMarket.put(state, genesis.enabled)
  for (const pot of [T, K, R]) endowAtGenesis(state, pot, existentialDeposit)
}
