/** What the order node's state machine needs from the two chains and IPFS: the seams tests fake. */
import type { EventRecord, OrderLog } from './record.js'

/** One EVM chain's `Order` events of one contract. */
export interface EvmSource {
  readonly chainId: number
  /** The latest block number. */
  head(): Promise<number>
  /** The contract's `Order` events in blocks `from..to` (inclusive), decoded. */
  orders(from: number, to: number): Promise<OrderLog[]>
  /** The contract's `Order` events in this block, or undefined when the block is not canonical (any more). */
  ordersInBlock(blockNumber: number, blockHash: string): Promise<OrderLog[] | undefined>
}

/** Where a transaction with a given nonce went, once the account's nonce has passed it. */
export type PlacedLookup =
  /** Our order, included and successful. */
  | { kind: 'ours'; blockHash: string; blockNumber: number }
  /** Our order, included but its dispatch failed; or another transaction took the nonce. */
  | { kind: 'failed' | 'other' }
  /** Not found in the blocks looked at. */
  | { kind: 'unknown' }

/** The order node's Crust account and IPFS node. */
export interface CrustSink {
  /** Throws {@link PermanentOrderError} for an order the chain would refuse whatever happens (bad CID, size). */
  check(record: EventRecord): Promise<void>
  /** The account's next nonce, counting transactions in the pool. */
  nextNonce(): Promise<number>
  /** The account's nonce in the best block's state (transactions included so far). */
  chainNonce(): Promise<number>
  bestBlock(): Promise<number>
  /** What one renewal of the order costs at the fees of the best block (Crust's `get_file_fee`), and that block. */
  renewalPrice(record: EventRecord): Promise<{ price: bigint; atBlock: number }>
  /**
   * Places the order with exactly this nonce (with `record.prepaid`, when set, added to its prepaid
   * pool in the same atomic transaction); resolves once it is in a block.
   */
  place(record: EventRecord, nonce: number): Promise<{ blockHash: string; blockNumber: number }>
  /** Looks in blocks `fromBlock..best` for the account's transaction with `nonce`. */
  findPlaced(record: EventRecord, nonce: number, fromBlock: number): Promise<PlacedLookup>
  /** Pins the CID on the IPFS node (undefined: no IPFS node, nothing to pin). */
  pin?(cid: string): Promise<void>
}

/** An order that can never succeed: the event's state becomes `failed` with this message. */
export class PermanentOrderError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'PermanentOrderError'
  }
}

/** The price oracle's rates the order node keeps in line (plancks, and CRU per ETH with 5 decimals). */
export interface OracleRates {
  basePrice: bigint
  bytePrice: bigint
  cruEthRate: bigint
}

/** The price oracle, as a whitelisted price setter sees it. */
export interface PriceOracleClient {
  read(): Promise<OracleRates>
  /** Sends `setOrderPrice` and waits for it to succeed; resolves with the transaction hash. */
  setOrderPrice(basePrice: bigint, bytePrice: bigint): Promise<string>
  /** Sends `setCRUETHRATE` and waits for it to succeed. */
  setCruEthRate(rate: bigint): Promise<string>
}
