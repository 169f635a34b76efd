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
 * Base fee around the average number of replicas added per order. Crust's increase has no minimum
 * step, so a base fee of 0 never leaves 0 (a quirk of its code); here the increase steps by at least
 * 1, as the byte fee's does, so the controller can work from its initial value.
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
    if (alpha < BigInt(S.FileBaseFeeIncreaseThreshold.get(state))) next = increaseWithMinimumStep(fee, S.FileBaseFeeIncreaseRatio.get(state))
    else if (alpha > BigInt(S.FileBaseFeeDecreaseThreshold.get(state))) next = decrease(fee, S.FileBaseFeeDecreaseRatio.get(state))
    else next = fee
  }
  S.FileBaseFee.put(state, clamp(next, S.MinFileBaseFee.get(state), S.MaxFileBaseFee.get(state)))
}

export { perbillMul }
