// Temporary until the benefits pallet lands: no collateral, so no merchant rewards accrue.
import type { DispatchContext } from '../../runtime/pallet.js'

export function maybeRewardMerchant(_ctx: Pick<DispatchContext, 'state'>, _owner: Uint8Array, _reward: bigint): boolean {
  return false
}

export function takeFileReward(_ctx: Pick<DispatchContext, 'state'>, _who: Uint8Array): bigint {
  return 0n
}
