/** Storage orders: their price, the checks before sending, and `market.placeStorageOrder`. */
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import { formatCru } from './amount.js'
import { MIB } from './constants.js'
import { SdkError } from './errors.js'
import { orderStatus } from './status.js'
import { estimateTxFee, submit, usableBalance } from './tx/index.js'
import type { ContentRootReturnType } from './content-root.js'
import { assertCid, assertFileSize } from './validate.js'

type BigIntCodec = { toBigInt(): bigint }

/** The market's price of an order, from its storage (`get_file_fee`). */
export interface OrderFeeReturnType {
  /** Base fee of every order. */
  baseFee: bigint
  /** Byte fee per started MiB. */
  byteFee: bigint
  /** Fee per order for the number of files on chain. */
  keysCountFee: bigint
  /** What the order costs: base fee + byte fee × ⌈size / MiB⌉ + keys-count fee (tips and the transaction fee not included). */
  total: bigint
}

export interface OrderFeeOptions {
  /** Read the fees as of this block (default: the best block). They change only at block starts. */
  blockHash?: string
}

/** The price of an order for `size` bytes at the current fees (Crust's `get_file_fee`). */
export async function orderFee(api: ApiPromise, size: bigint | number, options: OrderFeeOptions = {}): Promise<OrderFeeReturnType> {
  const market = (options.blockHash === undefined ? api : await api.at(options.blockHash)).query.market!
  const [baseFee, byteFee, keysCountFee] = (await Promise.all([market.fileBaseFee!(), market.fileByteFee!(), market.fileKeysCountFee!()])).map((c) =>
    (c as unknown as BigIntCodec).toBigInt(),
  ) as [bigint, bigint, bigint]
  const mib = (BigInt(size) + MIB - 1n) / MIB
  return { baseFee, byteFee, keysCountFee, total: baseFee + byteFee * mib + keysCountFee }
}

/** The market's limit: orders must be strictly smaller than this many bytes. */
export function maxFileSize(api: ApiPromise): bigint {
  return (api.consts.market!.maximumFileSize as unknown as BigIntCodec).toBigInt()
}

export interface PlaceOrderParameters {
  cid: string
  /** Bytes to order: the DAG's cumulative size. */
  size: bigint | number
  /** Tip in plancks, added to the file's reward pot (default 0). */
  tip?: bigint
  /** Order memo; Crust's docs use `'folder'` for directory roots (default empty). */
  memo?: string
  /**
   * The DAG's content root (`addToIpfs`'s `contentRoot`, or `dagContentRoot`): the order is placed
   * with `market.placeStorageOrderWithRoot`, so storage challenges check replicas against it from the
   * first one. Without it, `market.placeStorageOrder` (the root is then fixed by the first holders).
   */
  root?: ContentRootReturnType
  signal?: AbortSignal
}

export interface PlaceOrderReturnType {
  cid: string
  size: bigint
  blockHash: string
  blockNumber: number
  /** What the order took from the account (base fee, byte and keys-count fees, tip). */
  orderAmount: bigint
  /** The transaction fee. */
  txFee: bigint
  /** `orderAmount + txFee`. */
  fee: bigint
}
export type PlaceOrderErrorType = SdkError

/** Throws `SDK_ERROR_NO_FUNDS` naming the account when it cannot spend `needed`. */
export async function assertFunds(api: ApiPromise, signer: KeyringPair, needed: bigint, what: string): Promise<void> {
  const usable = await usableBalance(api, signer.address)
  if (usable < needed) {
    throw new SdkError('SDK_ERROR_NO_FUNDS', `account ${signer.address} has ${formatCru(usable)} CRU to spend; ${what} needs about ${formatCru(needed)} CRU`, {
      address: signer.address,
      usable: usable.toString(),
      needed: needed.toString(),
    })
  }
}

/**
 * Places a storage order after checking, without sending anything, that the CID is valid, the size
 * below the market's limit, the market open and the account able to pay; resolves once the order
 * is in a block, with what it cost.
 */
export async function placeOrder(api: ApiPromise, signer: KeyringPair, params: PlaceOrderParameters): Promise<PlaceOrderReturnType> {
  assertCid(params.cid)
  assertFileSize(params.size, maxFileSize(api))
  const size = BigInt(params.size)
  const tip = params.tip ?? 0n
  if (tip < 0n) throw new SdkError('SDK_ERROR_BAD_AMOUNT', 'the tip must not be negative')
  const enabled = (await api.query.market!.enableMarket!()) as unknown as { isTrue: boolean }
  if (!enabled.isTrue) throw new SdkError('SDK_ERROR_MARKET_DISABLED', "the chain's storage market is not enabled")
  // A re-order (renewal) keeps the size on chain: it may not shrink, and it is charged at that size.
  const existing = await orderStatus(api, params.cid)
  if (existing !== undefined && existing.fileSize > size) {
    throw new SdkError('SDK_ERROR_BAD_SIZE', `${params.cid} is already ordered with ${existing.fileSize} bytes; a new order may not give fewer (${size})`, {
      cid: params.cid,
      size: size.toString(),
      onChain: existing.fileSize.toString(),
    })
  }
  // A re-order of a file whose replicas came without a root cannot set one (the chain refuses it: FileRootLocked).
  // Nor can an empty content have one (the chain refuses it: IllegalFileRoot).
  const root =
    params.root === undefined || params.root.size === 0 || (existing !== undefined && (await api.query.market!.fileRoots!(params.cid)).isEmpty)
      ? undefined
      : params.root
  const tx =
    root === undefined
      ? api.tx.market!.placeStorageOrder!(params.cid, size, tip, params.memo ?? '')
      : api.tx.market!.placeStorageOrderWithRoot!(params.cid, size, tip, params.memo ?? '', root)
  const [price, txFee] = await Promise.all([orderFee(api, existing?.fileSize ?? size), estimateTxFee(tx, signer)])
  await assertFunds(
    api,
    signer,
    price.total + tip + txFee,
    `an order of ${size} bytes (${formatCru(price.total + tip)} CRU + ${formatCru(txFee)} CRU transaction fee)`,
  )
  const included = await submit(api, tx, signer, params.signal === undefined ? {} : { signal: params.signal })
  // What left the account besides the transaction fee: the transfers into the market's pots.
  let orderAmount = 0n
  for (const { event } of included.events) {
    if (event.section === 'balances' && event.method === 'Transfer' && (event.data[0] as unknown as { eq(other: Uint8Array): boolean }).eq(signer.addressRaw)) {
      orderAmount += (event.data[2] as unknown as BigIntCodec).toBigInt()
    }
  }
  return {
    cid: params.cid,
    size,
    blockHash: included.blockHash,
    blockNumber: included.blockNumber,
    orderAmount,
    txFee: included.txFee,
    fee: orderAmount + included.txFee,
  }
}
