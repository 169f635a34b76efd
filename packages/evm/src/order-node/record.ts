/** One `Order` event's record: where it was seen and what the order node did with it. */

/**
 * `seen` → `ordering` (Crust nonce recorded, transaction about to be sent or in flight) →
 * `ordered` | `failed` (permanent: the reason says why). `reorged`: the event's block left the
 * canonical chain before its confirmations; seen again in a new block it is `seen` again.
 */
export type EventState = 'seen' | 'ordering' | 'ordered' | 'failed' | 'reorged'

/** An `Order` event as the EVM chain reported it, decoded. */
export interface OrderLog {
  txHash: string
  logIndex: number
  blockNumber: number
  blockHash: string
  customer: string
  merchant: string
  cid: string
  size: bigint
  price: bigint
  isPermanent: boolean
}

export interface EventRecord {
  chainId: number
  txHash: string
  logIndex: number
  blockNumber: number
  blockHash: string
  customer: string
  merchant: string
  cid: string
  /** Decimal strings: JSON has no bigints. */
  size: string
  price: string
  isPermanent: boolean
  state: EventState
  reason?: string
  /** Attempts at ordering that met a transient error; the next one waits until `nextAttemptAt`. */
  attempts: number
  nextAttemptAt: number
  /** The Crust account nonce the order transaction uses (recorded before it is sent). */
  nonce?: number
  /** The Crust best block when the nonce was taken: where to look for the transaction after a crash. */
  sentAfterBlock?: number
  /**
   * Permanent orders: plancks added to the file's prepaid pool in the same (atomic) transaction as
   * the order: the renewals the customer paid for. Fixed, with the nonce, before the first send.
   */
  prepaid?: string
  /** The Crust block whose fees priced `prepaid`. */
  prepaidPricedAt?: number
  crustBlockHash?: string
  crustBlockNumber?: number
  pinned?: boolean
  pinError?: string
  history: Array<{ at: number; state: EventState; reason?: string }>
  updatedAt: number
}

/** The record key: chain id, transaction hash (lower case) and log index. */
export type EventKey = [number, string, number]

export function eventKey(chainId: number, txHash: string, logIndex: number): EventKey {
  return [chainId, txHash.toLowerCase(), logIndex]
}
