/**
 * Dynamic pricing, run from `on_initialize` every report slot (× FileFeeAdjustInterval) at Crust's
 * offsets: the byte fee follows the used/total storage ratio, the keys-count fee the number of
 * files, the base fee the average number of replicas per new order.
 */
import type { BlockContext } from '../../frame/pallet.js'
import { AddedFilesCount, Free, ReportedFilesSize } from '../swork/index.js'
import { BASE_FEE_UPDATE_OFFSET, PRICE_UPDATE_OFFSET, STORAGE_REFERENCE_RATIO } from './constants.js'
import { clamp, decrease, increaseWithMinimumStep, perbillMul } from './math.js'
import * as S from './storage.js'

export function onInitialize(ctx: BlockContext): void {
  const now = ctx.blockNumber
  const interval = S.FileFeeAdjustInterval.get(ctx.state) * ctx.config.reportSlot
  if (interval <= 0) return
  if ((now + PRICE_UPDATE_OFFSET) % interval === 0 && S.HasNewOrder.get(ctx.state)) {
    updateByteFee(ctx)
    updateKeysCountFee(ctx)
    S.HasNewOrder.put(ctx.state, false)
    S.LastFileFeeAdjustBlock.put(ctx.state, now)
  }
  if ((now + BASE_FEE_UPDATE_OFFSET) % interval === 0) {
    updateBaseFee(ctx)
    S.LastFileFeeAdjustBlock.put(ctx.state, now)
  }
}

export function updateByteFee(ctx: Pick<BlockContext, 'state'>): void {
  const state = ctx.state
  const used = ReportedFilesSize.get(state)
  const total = used + Free.get(state)
  const fee = S.FileByteFee.get(state)
  const [num, den] = STORAGE_REFERENCE_RATIO
  const next =
    used * den <= total * num ? decrease(fee, S.FileByteFeeDecreaseRatio.get(state)) : increaseWithMinimumStep(fee, S.FileByteFeeIncreaseRatio.get(state))
  S.FileByteFee.put(state, clamp(next, S.MinFileByteFee.get(state), S.MaxFileByteFee.get(state)))
}

export function updateKeysCountFee(ctx: Pick<BlockContext, 'state'>): void {
  const state = ctx.state
  const fee = S.FileKeysCountFee.get(state)
  const next =
    S.FileKeysCount.get(state) > S.FileKeysCountFeeAdjustThreshold.get(state)
      ? increaseWithMinimumStep(fee, S.FileKeysCountFeeIncreaseRatio.get(state))
      : decrease(fee, S.FileKeysCountFeeDecreaseRatio.get(state))
  S.FileKeysCountFee.put(state, clamp(next, S.MinFileKeysCountFee.get(state), S.MaxFileKeysCountFee.get(state)))
}

/**
 * Base fee around the average number of replicas added per order. As Crust's `update_base_fee`
 * (cstrml/market/src/lib.rs:1480-1499) the change is ratio × fee with no minimum step: a base fee
 * of 0 stays 0 (until root sets one) and 0.33 % of 100 rounds to 0.
 */
export function updateBaseFee(ctx: Pick<BlockContext, 'state'>): void {
  const state = ctx.state
  const added = BigInt(AddedFilesCount.get(state))
  const orders = BigInt(S.OrdersCount.get(state))
  AddedFilesCount.put(state, 0)
  S.OrdersCount.put(state, 0)
  const fee = S.FileBaseFee.get(state)
  let next: bigint
  if (orders === 0n) next = decrease(fee, S.FileBaseFeeDecreaseRatio.get(state))
  else {
    const alpha = added / orders
    if (alpha < BigInt(S.FileBaseFeeIncreaseThreshold.get(state))) next = fee + perbillMul(S.FileBaseFeeIncreaseRatio.get(state), fee)
    else if (alpha > BigInt(S.FileBaseFeeDecreaseThreshold.get(state))) next = decrease(fee, S.FileBaseFeeDecreaseRatio.get(state))
    else next = fee
  }
  S.FileBaseFee.put(state, clamp(next, S.MinFileBaseFee.get(state), S.MaxFileBaseFee.get(state)))
}

export { perbillMul }
