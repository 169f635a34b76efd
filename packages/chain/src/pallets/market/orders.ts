/** Order pricing, the payment split between the pots, and placing or renewing an order. */
import { CID } from 'multiformats/cid'
import { Account } from '../system.js'
import { transfer, usableBalance } from '../balances.js'
import { type DispatchContext, moduleError } from '../../frame/pallet.js'
import type { StorageReader } from '../../frame/storage.js'
import { MAXIMUM_FILE_SIZE, MAX_CID_LENGTH, MIB, RESERVED_POT, REWARD_PERSON, STAKING_POT, STAKING_RATIO, STORAGE_POT, STORAGE_RATIO } from './constants.js'
import { marketErrors, marketEvents } from './errors.js'
import { perbillMul } from './math.js'
import { EnableMarket, FileBaseFee, FileByteFee, FileKeysCount, FileKeysCountFee, FilesV2, HasNewOrder, OrdersCount } from './storage.js'

export type EventSink = Pick<DispatchContext, 'state' | 'config' | 'deposit'>

/** Crust's `get_file_fee`: (base fee, amount = byte fee × ceil(size / MiB) + keys-count fee). */
export function fileFee(state: StorageReader, fileSize: bigint): { baseFee: bigint; amount: bigint } {
  const mib = (fileSize + MIB - 1n) / MIB
  const bytePart = FileByteFee.get(state) * mib
  return { baseFee: FileBaseFee.get(state), amount: bytePart + FileKeysCountFee.get(state) }
}

/**
 * Splits a payment as Crust does: 72 % of `value` to the staking pot, 18 % (plus tips) to the
 * storage pot, the rest of `value` and the whole base fee to the reserved pot. Returns what went to
 * the storage pot (the file's amount).
 */
export function splitPayment(ctx: EventSink, payer: Uint8Array, value: bigint, baseFee: bigint, tips: bigint, keepAlive: boolean): bigint {
  const staking = perbillMul(STAKING_RATIO, value)
  const storage = perbillMul(STORAGE_RATIO, value)
  const reserved = value + baseFee - staking - storage
  const pay = (to: Uint8Array, amount: bigint) => {
    if (amount > 0n) transfer(ctx, payer, to, amount, keepAlive)
  }
  pay(STAKING_POT, staking)
  pay(STORAGE_POT, storage + tips)
  pay(RESERVED_POT, reserved)
  return storage + tips
}

/** A CID as Crust stores it: the bytes of its string form; it must parse and be of bounded length. */
export function checkCid(cid: Uint8Array): void {
  if (cid.length === 0 || cid.length > MAX_CID_LENGTH) throw moduleError(marketErrors.IllegalCid)
  try {
    CID.parse(new TextDecoder('utf-8', { fatal: true }).decode(cid))
  } catch {
    throw moduleError(marketErrors.IllegalCid)
  }
}

/** `place_storage_order`, step by step as Crust's (reference §1.9). */
export function placeStorageOrder(ctx: DispatchContext, who: Uint8Array, cid: Uint8Array, reportedSize: bigint, tips: bigint): void {
  if (!EnableMarket.get(ctx.state)) throw moduleError(marketErrors.PlaceOrderNotAvailable)
  checkCid(cid)
  if (reportedSize === 0n) throw moduleError(marketErrors.FileSizeZero)
  const existing = FilesV2.get(ctx.state, cid)
  let chargedSize = reportedSize
  if (existing !== undefined) {
    if (existing.file_size > reportedSize) throw moduleError(marketErrors.FileSizeNotCorrect)
    chargedSize = existing.file_size
  }
  if (chargedSize >= MAXIMUM_FILE_SIZE) throw moduleError(marketErrors.FileTooLarge)
  const { baseFee, amount } = fileFee(ctx.state, chargedSize)
  if (usableBalance(Account.get(ctx.state, who)) < baseFee + amount + tips) throw moduleError(marketErrors.InsufficientCurrency)
  const toStorage = splitPayment(ctx, who, amount, baseFee, tips, false)
  const now = ctx.blockNumber
  if (existing === undefined) {
    FilesV2.insert(ctx.state, cid, {
      file_size: chargedSize,
      spower: 0n,
      expired_at: 0,
      calculated_at: now,
      amount: toStorage,
      prepaid: 0n,
      reported_replica_count: 0,
      remaining_paid_count: REWARD_PERSON,
      replicas: [],
    })
    FileKeysCount.put(ctx.state, FileKeysCount.get(ctx.state) + 1)
  } else {
    const file = { ...existing }
    if (file.expired_at === file.calculated_at) file.calculated_at = now
    // A re-order refreshes the whole period (not additive); a file with no replica stays pending.
    file.expired_at = file.replicas.length === 0 ? 0 : now + ctx.config.fileDuration
    file.amount += toStorage
    FilesV2.insert(ctx.state, cid, file)
  }
  HasNewOrder.put(ctx.state, true)
  OrdersCount.put(ctx.state, OrdersCount.get(ctx.state) + 1)
  ctx.deposit(marketEvents.FileSuccess, { who, cid })
}
