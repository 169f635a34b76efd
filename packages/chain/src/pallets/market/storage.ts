/** `Market` storage items, with Crust's names and initial values. */
import { accountId32, bool, named, u32, u128, vec } from '../../primitives/codec/scale-type.js'
import { doubleMapWithDefault, mapWithDefault, optionalMap, optionalValue, valueWithDefault } from '../../frame/storage.js'
import { fileInfoV2, merkleRoot, perbill } from './types.js'
import { INIT } from './constants.js'

const P = 'Market'
const balance = named(u128, 'BalanceOf<T>')
const blockNumber = named(u32, 'BlockNumber')
const bal = (name: string, def: bigint, doc: string) => valueWithDefault({ pallet: P, name, value: balance, default: def, docs: [doc] })
const ratio = (name: string, def: number, doc: string) => valueWithDefault({ pallet: P, name, value: perbill, default: def, docs: [doc] })
const count = (name: string, def: number, doc: string) => valueWithDefault({ pallet: P, name, value: u32, default: def, docs: [doc] })

export const FilesV2 = optionalMap({
  pallet: P,
  name: 'FilesV2',
  hasher: 'Twox64Concat',
  key: merkleRoot,
  value: fileInfoV2,
  docs: ['File information, by CID.'],
})
export const OrdersCount = count('OrdersCount', 0, 'Orders placed since the last base fee update.')
export const FileFeeAdjustInterval = count('FileFeeAdjustInterval', 1, 'Fee adjustment interval, in report slots.')
export const LastFileFeeAdjustBlock = valueWithDefault({ pallet: P, name: 'LastFileFeeAdjustBlock', value: blockNumber, default: 0 })
export const FileBaseFee = bal('FileBaseFee', 0n, 'The base fee of every order.')
export const MinFileBaseFee = bal('MinFileBaseFee', 0n, 'Lower bound of the base fee.')
export const MaxFileBaseFee = bal('MaxFileBaseFee', INIT.maxFileBaseFee, 'Upper bound of the base fee.')
export const FileBaseFeeIncreaseThreshold = count('FileBaseFeeIncreaseThreshold', 10, 'Average replicas per order below which the base fee rises.')
export const FileBaseFeeDecreaseThreshold = count('FileBaseFeeDecreaseThreshold', 30, 'Average replicas per order above which the base fee falls.')
export const FileBaseFeeIncreaseRatio = ratio('FileBaseFeeIncreaseRatio', INIT.increaseRatio, 'Base fee increase per adjustment.')
export const FileBaseFeeDecreaseRatio = ratio('FileBaseFeeDecreaseRatio', INIT.decreaseRatio, 'Base fee decrease per adjustment.')
export const FileByteFee = bal('FileByteFee', INIT.fileByteFee, 'The fee per MiB of file size.')
export const MinFileByteFee = bal('MinFileByteFee', 0n, 'Lower bound of the byte fee.')
export const MaxFileByteFee = bal('MaxFileByteFee', INIT.maxFileByteFee, 'Upper bound of the byte fee.')
export const FileByteFeeIncreaseRatio = ratio('FileByteFeeIncreaseRatio', INIT.increaseRatio, 'Byte fee increase per adjustment.')
export const FileByteFeeDecreaseRatio = ratio('FileByteFeeDecreaseRatio', INIT.decreaseRatio, 'Byte fee decrease per adjustment.')
export const FileKeysCount = count('FileKeysCount', 0, 'The number of files (orders) on chain.')
export const FileKeysCountFee = bal('FileKeysCountFee', INIT.fileKeysCountFee, 'The fee per order for the number of files.')
export const MinFileKeysCountFee = bal('MinFileKeysCountFee', 0n, 'Lower bound of the keys-count fee.')
export const MaxFileKeysCountFee = bal('MaxFileKeysCountFee', INIT.maxFileKeysCountFee, 'Upper bound of the keys-count fee.')
export const FileKeysCountFeeAdjustThreshold = count(
  'FileKeysCountFeeAdjustThreshold',
  INIT.keysCountFeeThreshold,
  'File count above which the keys-count fee rises.',
)
export const FileKeysCountFeeIncreaseRatio = ratio('FileKeysCountFeeIncreaseRatio', INIT.increaseRatio, 'Keys-count fee increase per adjustment.')
export const FileKeysCountFeeDecreaseRatio = ratio('FileKeysCountFeeDecreaseRatio', INIT.decreaseRatio, 'Keys-count fee decrease per adjustment.')
export const HasNewOrder = valueWithDefault({ pallet: P, name: 'HasNewOrder', value: bool, default: false })
export const EnableMarket = valueWithDefault({ pallet: P, name: 'EnableMarket', value: bool, default: false, docs: ['Whether orders may be placed.'] })
export const SpowerReadyPeriod = valueWithDefault({
  pallet: P,
  name: 'SpowerReadyPeriod',
  value: blockNumber,
  default: INIT.spowerReadyPeriod,
  docs: ['Blocks before a replica counts with the replica-scaled spower.'],
})

export const SpowerSuperior = optionalValue({
  pallet: P,
  name: 'SpowerSuperior',
  value: named(accountId32, 'T::AccountId'),
  docs: ['The account allowed to calculate spowers and set the ready period (Crust: the crust-spower service).'],
})
export const LastSpowerCalculateBlock = valueWithDefault({ pallet: P, name: 'LastSpowerCalculateBlock', value: blockNumber, default: 0 })
export const LastReplicasUpdateBlock = valueWithDefault({
  pallet: P,
  name: 'LastReplicasUpdateBlock',
  value: blockNumber,
  default: 0,
  docs: ['The block of the last `update_replicas` by the spower superior.'],
})
export const RipeningQueue = mapWithDefault({
  pallet: P,
  name: 'RipeningQueue',
  hasher: 'Twox64Concat',
  key: blockNumber,
  value: vec(merkleRoot),
  default: [] as Uint8Array[],
  docs: ['Files with a replica created at that block, queued by a runtime before spec 13 (now RipeningPages); swept first.'],
})
/** Files a ripening page holds: an append copies at most one page (~3 KB). */
export const RIPENING_PAGE = 64
export const RipeningCount = mapWithDefault({
  pallet: P,
  name: 'RipeningCount',
  hasher: 'Twox64Concat',
  key: blockNumber,
  value: u32,
  default: 0,
  docs: ['Files queued under that block to ripen (in RipeningPages).'],
})
export const RipeningPages = doubleMapWithDefault({
  pallet: P,
  name: 'RipeningPages',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: blockNumber,
  key2: u32,
  value: vec(merkleRoot),
  default: [] as Uint8Array[],
  docs: ['Files with a replica created at that block (or queued then), still to ripen, in pages of 64.'],
})
export const RipeningOffset = valueWithDefault({
  pallet: P,
  name: 'RipeningOffset',
  value: u32,
  default: 0,
  docs: ["Files of RipeningCursor's block already swept."],
})
export const RipeningCursor = valueWithDefault({
  pallet: P,
  name: 'RipeningCursor',
  value: blockNumber,
  default: 0,
  docs: ['The oldest RipeningQueue slot not yet swept.'],
})

/** Every item, in declaration order, for the metadata. */
export const MARKET_STORAGE = [
  FilesV2,
  OrdersCount,
  FileFeeAdjustInterval,
  LastFileFeeAdjustBlock,
  FileBaseFee,
  MinFileBaseFee,
  MaxFileBaseFee,
  FileBaseFeeIncreaseThreshold,
  FileBaseFeeDecreaseThreshold,
  FileBaseFeeIncreaseRatio,
  FileBaseFeeDecreaseRatio,
  FileByteFee,
  MinFileByteFee,
  MaxFileByteFee,
  FileByteFeeIncreaseRatio,
  FileByteFeeDecreaseRatio,
  FileKeysCount,
  FileKeysCountFee,
  MinFileKeysCountFee,
  MaxFileKeysCountFee,
  FileKeysCountFeeAdjustThreshold,
  FileKeysCountFeeIncreaseRatio,
  FileKeysCountFeeDecreaseRatio,
  HasNewOrder,
  EnableMarket,
  SpowerReadyPeriod,
  SpowerSuperior,
  LastSpowerCalculateBlock,
  RipeningQueue,
  RipeningCount,
  RipeningPages,
  RipeningOffset,
  RipeningCursor,
  LastReplicasUpdateBlock,
]

export type FileInfo = NonNullable<ReturnType<typeof FilesV2.get>>
export { fileInfoV2 }
