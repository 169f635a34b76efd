/** `market` (DSM): storage orders, dynamic prices, replicas and their rewards, settlement. */
import { bool, bytes, compactU128, named, u32, u64 } from '../../primitives/codec/scale-type.js'
import { call, constant, definePallet, ensureRoot, ensureSigned, moduleError, type Pallet } from '../../frame/pallet.js'
import type { StorageValue } from '../../frame/storage.js'
import { ANCHOR_FILES_STORAGE } from './anchor-files.js'
import { MAXIMUM_FILE_SIZE, REWARD_PERSON } from './constants.js'
import { marketErrors, marketEvents } from './errors.js'
import { placeStorageOrder } from './orders.js'
import { onInitialize } from './pricing.js'
import { addPrepaid, calculateReward, rewardMerchant } from './rewards.js'
import * as S from './storage.js'
import { merkleRoot, perbill } from './types.js'

const balance = named(compactU128, 'BalanceOf<T>')
const ORDER_WEIGHT = 300_000_000n
const ROOT_WEIGHT = 10_000_000n

/** A root call that sets one storage value (Crust's many fee setters). */
function setter<T>(
  index: number,
  arg: string,
  type: Parameters<typeof call>[0]['args'][string],
  item: StorageValue<T, T>,
  check?: (state: Parameters<StorageValue<T, T>['get']>[0], value: T) => void,
) {
  return call({
    index,
    args: { [arg]: type } as Record<string, typeof type>,
    weight: ROOT_WEIGHT,
    dispatch: (ctx, origin, args) => {
      ensureRoot(origin)
      const value = (args as Record<string, T>)[arg]!
      check?.(ctx.state, value)
      item.put(ctx.state, value)
    },
  })
}

const notBelow = (min: StorageValue<bigint, bigint>) => (state: Parameters<StorageValue<bigint, bigint>['get']>[0], max: bigint) => {
  if (max < min.get(state)) throw moduleError(marketErrors.MaxFeeLessThanMinFee)
}
const notAbove = (max: StorageValue<bigint, bigint>) => (state: Parameters<StorageValue<bigint, bigint>['get']>[0], min: bigint) => {
  if (min > max.get(state)) throw moduleError(marketErrors.MaxFeeLessThanMinFee)
}

export function marketPallet(index: number): Pallet {
  return definePallet({
    name: 'Market',
    index,
    path: 'pallet_market',
    storage: [...S.MARKET_STORAGE, ...ANCHOR_FILES_STORAGE],
    calls: {
      place_storage_order: call({
        index: 0,
        args: { cid: merkleRoot, reported_file_size: u64, tips: balance, memo: bytes },
        weight: ORDER_WEIGHT,
        docs: ['Place a storage order for a file (by CID) of the given size, optionally with a tip.'],
        dispatch: (ctx, origin, args) => placeStorageOrder(ctx, ensureSigned(origin), args.cid, args.reported_file_size, args.tips),
      }),
      add_prepaid: call({
        index: 1,
        args: { cid: merkleRoot, amount: balance },
        weight: ORDER_WEIGHT,
        docs: ['Add prepaid value to a file, used to renew it at expiry.'],
        dispatch: (ctx, origin, args) => addPrepaid(ctx, ensureSigned(origin), args.cid, args.amount),
      }),
      set_spower_ready_period: call({
        index: 5,
        args: { ready_period: named(u32, 'BlockNumber') },
        weight: ROOT_WEIGHT,
        docs: ['Set the number of blocks before a replica counts with the replica-scaled spower (root).'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          S.SpowerReadyPeriod.put(ctx.state, args.ready_period)
          ctx.deposit(marketEvents.SetSpowerReadyPeriodSuccess, { period: args.ready_period })
        },
      }),
      calculate_reward: call({
        index: 6,
        args: { cid: merkleRoot },
        weight: ORDER_WEIGHT,
        docs: ['Settle a file after expiry: the caller takes the remaining amount; the file is renewed from its prepaid pool or closed.'],
        dispatch: (ctx, origin, args) => calculateReward(ctx, ensureSigned(origin), args.cid),
      }),
      reward_merchant: call({
        index: 7,
        args: {},
        weight: ORDER_WEIGHT,
        docs: ["Claim the merchant's accrued storage rewards."],
        dispatch: (ctx, origin) => rewardMerchant(ctx, ensureSigned(origin)),
      }),
      set_enable_market: call({
        index: 8,
        args: { is_enabled: bool },
        weight: ROOT_WEIGHT,
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          S.EnableMarket.put(ctx.state, args.is_enabled)
          ctx.deposit(marketEvents.SetEnableMarketSuccess, { enabled: args.is_enabled })
        },
      }),
      set_base_fee: call({
        index: 9,
        args: { base_fee: balance },
        weight: ROOT_WEIGHT,
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          S.FileBaseFee.put(ctx.state, args.base_fee)
          ctx.deposit(marketEvents.SetBaseFeeSuccess, { fee: args.base_fee })
        },
      }),
      set_byte_fee: setter(10, 'byte_fee', balance, S.FileByteFee),
      set_key_count_fee: setter(11, 'key_count_fee', balance, S.FileKeysCountFee),
      set_min_base_fee: setter(12, 'min_base_fee', balance, S.MinFileBaseFee, notAbove(S.MaxFileBaseFee)),
      set_min_byte_fee: setter(13, 'min_byte_fee', balance, S.MinFileByteFee, notAbove(S.MaxFileByteFee)),
      set_min_key_count_fee: setter(14, 'min_key_count_fee', balance, S.MinFileKeysCountFee, notAbove(S.MaxFileKeysCountFee)),
      set_max_base_fee: setter(15, 'max_base_fee', balance, S.MaxFileBaseFee, notBelow(S.MinFileBaseFee)),
      set_max_byte_fee: setter(16, 'max_byte_fee', balance, S.MaxFileByteFee, notBelow(S.MinFileByteFee)),
      set_max_key_count_fee: setter(17, 'max_key_count_fee', balance, S.MaxFileKeysCountFee, notBelow(S.MinFileKeysCountFee)),
      set_file_fee_adjust_interval: setter(18, 'interval', u32, S.FileFeeAdjustInterval, (_s, v) => {
        if (v === 0) throw moduleError(marketErrors.FileFeeAdjustIntervalInvalid)
      }),
      set_file_base_fee_increase_threshold: setter(19, 'threshold', u32, S.FileBaseFeeIncreaseThreshold, (state, v) => {
        if (v >= S.FileBaseFeeDecreaseThreshold.get(state)) throw moduleError(marketErrors.BaseFeeIncreaseThresholdLargerThanDecreaseThreshold)
      }),
      set_file_base_fee_decrease_threshold: setter(20, 'threshold', u32, S.FileBaseFeeDecreaseThreshold, (state, v) => {
        if (v <= S.FileBaseFeeIncreaseThreshold.get(state)) throw moduleError(marketErrors.BaseFeeIncreaseThresholdLargerThanDecreaseThreshold)
      }),
      set_file_base_fee_increase_ratio: setter(21, 'ratio', perbill, S.FileBaseFeeIncreaseRatio),
      set_file_base_fee_decrease_ratio: setter(22, 'ratio', perbill, S.FileBaseFeeDecreaseRatio),
      set_file_byte_fee_increase_ratio: setter(23, 'ratio', perbill, S.FileByteFeeIncreaseRatio),
      set_file_byte_fee_decrease_ratio: setter(24, 'ratio', perbill, S.FileByteFeeDecreaseRatio),
      set_file_keys_count_fee_adjust_threshold: setter(25, 'threshold', u32, S.FileKeysCountFeeAdjustThreshold),
      set_file_keys_count_fee_increase_ratio: setter(26, 'ratio', perbill, S.FileKeysCountFeeIncreaseRatio),
      set_file_keys_count_fee_decrease_ratio: setter(27, 'ratio', perbill, S.FileKeysCountFeeDecreaseRatio),
    },
    events: marketEvents,
    errors: marketErrors,
    constants: {
      FileDuration: constant(named(u32, 'BlockNumber'), (c) => c.fileDuration, 'The duration of one paid storage period, in blocks.'),
      FileReplica: constant(u32, () => REWARD_PERSON, 'How many replicas get paid.'),
      MaximumFileSize: constant(u64, () => MAXIMUM_FILE_SIZE, 'Orders must be strictly smaller than this (bytes).'),
    },
    onInitialize,
  })
}
