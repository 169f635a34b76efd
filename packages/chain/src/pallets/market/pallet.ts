/** `market` (DSM): storage orders, dynamic prices, replicas and their rewards, settlement. */
import { accountId32, bool, bytes, compactU128, named, u32, u64, vec } from '../../primitives/codec/scale-type.js'
import { call, constant, definePallet, ensureRoot, ensureSigned, moduleError, type Pallet } from '../../frame/pallet.js'
import type { StorageValue } from '../../frame/storage.js'
import { ANCHOR_FILES_STORAGE } from './anchor-files.js'
import { contentRoot, FILE_ROOTS_STORAGE } from './file-roots.js'
import { setClientRoot } from '../challenges/roots.js'
import { MAXIMUM_FILE_SIZE, REWARD_PERSON } from './constants.js'
import { marketErrors, marketEvents } from './errors.js'
import { placeStorageOrder } from './orders.js'
import { onInitialize as adjustPrices } from './pricing.js'
import { calculateSpowers, setSpowerReadyPeriod, sweepRipening } from './spower-superior.js'
import { fileInfosMap, updateReplicas } from './update-replicas.js'
import { addPrepaid, calculateReward, rewardMerchant } from './rewards.js'
import * as S from './storage.js'
import { merkleRoot, perbill } from './types.js'

const balance = named(compactU128, 'BalanceOf<T>')
// Crust's weights (cstrml/market/src/weight.rs:19-38, RocksDbWeight: read 25·10^6, write 10^8).
const DB_READ = 25_000_000n
const DB_WRITE = 100_000_000n
/** `place_storage_order` (also `add_prepaid`'s weight): 719·10^6 + 16 reads + 9 writes. */
export const PLACE_STORAGE_ORDER_WEIGHT = 719_000_000n + 16n * DB_READ + 9n * DB_WRITE
/** `calculate_reward`: 297·10^6 + 12 reads + 8 writes + 50 reads (replicas' work reports). */
export const CALCULATE_REWARD_WEIGHT = 297_000_000n + 12n * DB_READ + 8n * DB_WRITE + 50n * DB_READ
/** `reward_merchant`: 296·10^6 + 8 reads + 4 writes. */
export const REWARD_MERCHANT_WEIGHT = 296_000_000n + 8n * DB_READ + 4n * DB_WRITE
/** `update_replicas`: 10^9 + 1000 reads + 1000 writes, whatever it carries (cstrml/market/src/weight.rs:50-54). */
export const UPDATE_REPLICAS_WEIGHT = 1_000_000_000n + 1000n * DB_READ + 1000n * DB_WRITE
/** `calculate_spowers(n files)`: 10^9 + n × (350·10^6 + 700·10^6 + 2 reads + 2 writes). */
export const calculateSpowersWeight = (files: number): bigint => 1_000_000_000n + BigInt(files) * (1_050_000_000n + 2n * DB_READ + 2n * DB_WRITE)
/** Root setters: `#[weight = 1000]` (cstrml/market/src/lib.rs:534, 722-977). */
const ROOT_WEIGHT = 1_000n

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
    storage: [...S.MARKET_STORAGE, ...ANCHOR_FILES_STORAGE, ...FILE_ROOTS_STORAGE],
    calls: {
      place_storage_order: call({
        index: 0,
        args: { cid: merkleRoot, reported_file_size: u64, tips: balance, memo: bytes },
        weight: PLACE_STORAGE_ORDER_WEIGHT,
        docs: ['Place a storage order for a file (by CID) of the given size, optionally with a tip.'],
        dispatch: (ctx, origin, args) => placeStorageOrder(ctx, ensureSigned(origin), args.cid, args.reported_file_size, args.tips),
      }),
      add_prepaid: call({
        index: 1,
        args: { cid: merkleRoot, amount: balance },
        weight: PLACE_STORAGE_ORDER_WEIGHT,
        docs: ['Add prepaid value to a file, used to renew it at expiry.'],
        dispatch: (ctx, origin, args) => addPrepaid(ctx, ensureSigned(origin), args.cid, args.amount),
      }),
      set_spower_superior: call({
        index: 2,
        args: { superior: named(accountId32, 'T::AccountId') },
        weight: ROOT_WEIGHT,
        docs: ['Set the spower superior account (root).'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          S.SpowerSuperior.put(ctx.state, args.superior)
          ctx.deposit(marketEvents.SetSpowerSuperiorSuccess, { who: args.superior })
        },
      }),
      update_replicas: call({
        index: 3,
        args: { file_infos_map: fileInfosMap, last_processed_block_wrs: named(u32, 'BlockNumber') },
        weight: UPDATE_REPLICAS_WEIGHT,
        docs: [
          'Update file replicas from the work reports the spower superior indexed (spower superior; fee-free).',
          'Each entry: (cid, file_size, [(reporter, owner, sworker_anchor, report_slot, report_block, valid_at, is_added)]).',
        ],
        dispatch: (ctx, origin, args) => updateReplicas(ctx, ensureSigned(origin), args.file_infos_map, args.last_processed_block_wrs),
      }),
      calculate_spowers: call({
        index: 4,
        args: { cids: vec(merkleRoot) },
        weight: (args) => calculateSpowersWeight(args.cids.length),
        docs: ['Recalculate the spowers of up to 300 files (spower superior; fee-free).'],
        dispatch: (ctx, origin, args) => calculateSpowers(ctx, ensureSigned(origin), args.cids),
      }),
      set_spower_ready_period: call({
        index: 5,
        args: { ready_period: named(u32, 'BlockNumber') },
        // cstrml/market/src/lib.rs:650: #[weight = 1_000_000], signed by the spower superior.
        weight: 1_000_000n,
        docs: ['Set the number of blocks before a replica counts with the replica-scaled spower (spower superior).'],
        dispatch: (ctx, origin, args) => setSpowerReadyPeriod(ctx, ensureSigned(origin), args.ready_period),
      }),
      calculate_reward: call({
        index: 6,
        args: { cid: merkleRoot },
        weight: CALCULATE_REWARD_WEIGHT,
        docs: ['Settle a file after expiry: the caller takes the remaining amount; the file is renewed from its prepaid pool or closed.'],
        dispatch: (ctx, origin, args) => calculateReward(ctx, ensureSigned(origin), args.cid),
      }),
      reward_merchant: call({
        index: 7,
        args: {},
        weight: REWARD_MERCHANT_WEIGHT,
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
      place_storage_order_with_root: call({
        index: 28,
        args: { cid: merkleRoot, reported_file_size: u64, tips: balance, memo: bytes, root: contentRoot },
        weight: PLACE_STORAGE_ORDER_WEIGHT + 2n * DB_READ + 2n * DB_WRITE,
        docs: [
          'Not in Crust: `place_storage_order` with the content root the uploader computed (storage challenges are verified',
          "against it). A file's root is fixed once: a different one is refused, and so is one for a file that already has replicas.",
        ],
        dispatch: (ctx, origin, args) => {
          placeStorageOrder(ctx, ensureSigned(origin), args.cid, args.reported_file_size, args.tips)
          setClientRoot(ctx, args.cid, args.root)
        },
      }),
    },
    events: marketEvents,
    errors: marketErrors,
    constants: {
      FileDuration: constant(named(u32, 'BlockNumber'), (c) => c.fileDuration, 'The duration of one paid storage period, in blocks.'),
      FileReplica: constant(u32, () => REWARD_PERSON, 'How many replicas get paid.'),
      MaximumFileSize: constant(u64, () => MAXIMUM_FILE_SIZE, 'Orders must be strictly smaller than this (bytes).'),
    },
    onInitialize: (ctx) => {
      adjustPrices(ctx)
      sweepRipening(ctx)
    },
  })
}
