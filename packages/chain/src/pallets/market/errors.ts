import { errors, event } from '../../frame/pallet.js'
import { accountId32, bool, named, u32, u128 } from '../../primitives/codec/scale-type.js'
import { contentRoot } from './file-roots.js'
import { merkleRoot } from './types.js'

const account = named(accountId32, 'AccountId')
const balance = named(u128, 'Balance')
const blockNumber = named(u32, 'BlockNumber')

/** Crust's market errors, in declaration order. */
export const marketErrors = errors({
  InsufficientCurrency: [0, "Don't have enough currency to pay the order."],
  FileSizeNotCorrect: [1, 'The reported file size is smaller than the file size on chain.'],
  NotInRewardPeriod: [2, 'The file is not in the reward period yet (no replica reported).'],
  NotEnoughReward: [3, 'There is no reward to claim.'],
  FileTooLarge: [4, 'The file is too large.'],
  PlaceOrderNotAvailable: [5, 'The storage market is not enabled.'],
  FileNotExist: [6, 'The file does not exist.'],
  SpowerSuperiorNotSet: [7, 'The spower superior account is not set.'],
  IllegalSpowerSuperior: [8, 'The caller is not the spower superior account.'],
  ExceedCalculateSpowerFilesLimit: [9, 'Too many files in one spower calculation.'],
  FileFeeAdjustIntervalInvalid: [10, 'The fee adjustment interval must be positive.'],
  MaxFeeLessThanMinFee: [11, 'The maximum fee must not be less than the minimum fee.'],
  BaseFeeIncreaseThresholdLargerThanDecreaseThreshold: [12, 'The base fee increase threshold must stay below the decrease threshold.'],
  IllegalCid: [13, 'The CID does not parse or is too long.'],
  FileSizeZero: [14, 'The file size must be positive.'],
  FileRootMismatch: [15, 'Not in Crust: the file has another root.'],
  FileRootLocked: [16, 'Not in Crust: the file has replicas but no fixed root; its root comes from its replica holders.'],
  IllegalFileRoot: [17, 'Not in Crust: the root names an empty content or one larger than the order.'],
})

/** Crust's market events (tuple-style, as Crust declares them), in declaration order. */
export const marketEvents = {
  FileSuccess: event(0, { who: account, cid: merkleRoot }, 'Place a storage order successfully.', true),
  RenewFileSuccess: event(1, { who: account, cid: merkleRoot }, 'Renew a file successfully.', true),
  AddPrepaidSuccess: event(2, { who: account, cid: merkleRoot, amount: balance }, 'Add prepaid value for a file successfully.', true),
  CalculateSuccess: event(3, { cid: merkleRoot }, 'Calculate the reward of a file successfully.', true),
  IllegalFileClosed: event(4, { cid: merkleRoot }, 'A file reported with a larger size than ordered was closed.', true),
  RewardMerchantSuccess: event(5, { who: account }, 'A merchant claimed its rewards.', true),
  SetEnableMarketSuccess: event(6, { enabled: bool }, 'The market switch was set.', true),
  SetBaseFeeSuccess: event(7, { fee: balance }, 'The base fee was set.', true),
  SetSpowerSuperiorSuccess: event(8, { who: account }, 'The spower superior was set.', true),
  UpdateReplicasSuccess: event(9, { who: account, block: blockNumber, changed: u32, lastProcessed: blockNumber }, 'Replicas were updated.', true),
  FileClosed: event(10, { cid: merkleRoot }, 'A file was closed.', true),
  CalculateSpowersSuccess: event(11, { who: account, block: blockNumber, sworkers: u32, files: u32 }, 'Spowers were calculated.', true),
  SetSpowerReadyPeriodSuccess: event(12, { period: blockNumber }, 'The spower ready period was set.', true),
  FileRootFixed: event(13, { cid: merkleRoot, root: contentRoot }, "Not in Crust: a file's content root was fixed; challenges are verified against it.", true),
}
