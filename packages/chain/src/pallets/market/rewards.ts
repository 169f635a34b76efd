/** Settlement after expiry: the settler's reward, renewal from the prepaid pool, or closing. */
import { takeFileReward } from '../benefits/index.js'
import { transfer, usableBalance } from '../balances.js'
import { Account } from '../system.js'
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import { RESERVED_POT, REWARD_PERSON, STORAGE_POT } from './constants.js'
import { marketErrors, marketEvents } from './errors.js'
import { fileFee, splitPayment } from './orders.js'
import { untrackReplica } from './anchor-files.js'
import { forgetFileRoot } from './file-roots.js'
import { rebaseSpowers, removeSpowers } from './replicas.js'
import { calculateSpower } from './spower.js'
import { FileKeysCount, FilesV2, HasNewOrder } from './storage.js'

/** `calculate_reward(cid)`, as Crust's (reference §1.11); anyone may call it. */
export function calculateReward(ctx: DispatchContext, caller: Uint8Array, cid: Uint8Array): void {
  const stored = FilesV2.get(ctx.state, cid)
  if (stored === undefined) return
  if (stored.expired_at === 0) throw moduleError(marketErrors.NotInRewardPeriod)
  const file = { ...stored }
  const now = ctx.blockNumber
  // Crust HEAD's calculate_reward leaves the replicas alone (cstrml/market/src/lib.rs:667-696):
  // replica counts change only when a replica is added or deleted.
  // The settler's reward: after expiry, whatever amount is left.
  if (now >= file.expired_at && file.amount > 0n) {
    transfer(ctx, STORAGE_POT, caller, file.amount, true)
    file.amount = 0n
  }
  file.calculated_at = Math.min(now, file.expired_at)
  if (file.expired_at === file.calculated_at) {
    const { baseFee, amount } = fileFee(ctx.state, file.file_size)
    const price = baseFee + amount
    if (file.prepaid >= price) {
      file.prepaid -= price
      file.amount += splitPayment(ctx, STORAGE_POT, amount, baseFee, 0n, true)
      if (file.replicas.length === 0) {
        file.expired_at = 0
        file.calculated_at = now
        file.remaining_paid_count = REWARD_PERSON
      } else {
        file.expired_at = now + ctx.config.fileDuration
        file.calculated_at = now
      }
      HasNewOrder.put(ctx.state, true)
      FilesV2.insert(ctx.state, cid, file)
      ctx.deposit(marketEvents.RenewFileSuccess, { who: caller, cid })
    } else {
      removeSpowers(ctx, file)
      closeFile(ctx, cid, file.amount + file.prepaid)
    }
  } else {
    rebaseSpowers(ctx, file)
    FilesV2.insert(ctx.state, cid, file)
  }
  ctx.deposit(marketEvents.CalculateSuccess, { cid })
}

function closeFile(ctx: DispatchContext, cid: Uint8Array, value: bigint): void {
  if (value > 0n) transfer(ctx, STORAGE_POT, RESERVED_POT, value, true)
  for (const [, replica] of FilesV2.get(ctx.state, cid)?.replicas ?? []) untrackReplica(ctx.state, replica.anchor, cid)
  FilesV2.remove(ctx.state, cid)
  forgetFileRoot(ctx.state, cid)
  FileKeysCount.put(ctx.state, Math.max(0, FileKeysCount.get(ctx.state) - 1))
  ctx.deposit(marketEvents.FileClosed, { cid })
}

/** `add_prepaid(cid, amount)`: funds future renewals. */
export function addPrepaid(ctx: DispatchContext, who: Uint8Array, cid: Uint8Array, amount: bigint): void {
  // Usable balance first, then the file (cstrml/market/src/lib.rs:518-526).
  if (usableBalance(Account.get(ctx.state, who)) < amount) throw moduleError(marketErrors.InsufficientCurrency)
  const file = FilesV2.get(ctx.state, cid)
  if (file === undefined) throw moduleError(marketErrors.FileNotExist)
  transfer(ctx, who, STORAGE_POT, amount, false)
  FilesV2.insert(ctx.state, cid, { ...file, prepaid: file.prepaid + amount })
  ctx.deposit(marketEvents.AddPrepaidSuccess, { who, cid, amount })
}

/** `reward_merchant()`: pays the merchant's accrued replica rewards out of the storage pot. */
export function rewardMerchant(ctx: DispatchContext, who: Uint8Array): void {
  const reward = takeFileReward(ctx, who)
  if (reward === 0n) throw moduleError(marketErrors.NotEnoughReward)
  transfer(ctx, STORAGE_POT, who, reward, true)
  ctx.deposit(marketEvents.RewardMerchantSuccess, { who })
}

export { calculateSpower }
