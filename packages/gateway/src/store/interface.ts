/** The pin store contract: pin requests per account and one order per CID, shared by all accounts. */

/** Pinning Service API statuses. */
export type PinStatusValue = 'queued' | 'pinning' | 'pinned' | 'failed'
export const PIN_STATUSES: readonly PinStatusValue[] = ['queued', 'pinning', 'pinned', 'failed']

/**
 * The order engine's state machine for one CID. Each phase is persisted before the side effect
 * that leaves it:
 * - `queued`: accepted, nothing sent yet (or a renewal is due);
 * - `submitting`: a signed extrinsic (`txHex`, `nonce`) was saved and may have been sent;
 * - `placed`: the order is on chain, replicas are awaited and watched;
 * - `failed`: given up (reason says why) until a new pin request for the CID re-queues it.
 */
export type OrderPhase = 'queued' | 'submitting' | 'placed' | 'failed'
export const ORDER_PHASES: readonly OrderPhase[] = ['queued', 'submitting', 'placed', 'failed']

export interface OrderRecord {
  cid: string
  phase: OrderPhase
  /** What pin requests of this CID report. */
  status: PinStatusValue
  /** Cumulative DAG size from IPFS (bytes), once known. */
  size?: number
  /** Nonce and signed extrinsic of the order being submitted. */
  nonce?: number
  txHex?: string
  txHash?: string
  /** Plancks paid for the last order (storage price + transaction fee), decimal string. */
  fee?: string
  /** `filesV2.expired_at` (block; 0 while no replica is reported). */
  expiredAt?: number
  /** `filesV2.reported_replica_count`. */
  replicas: number
  /** Orders placed for this CID so far (1 + renewals). */
  orders: number
  /** Block of the last order placed. */
  orderedAt?: number
  /** Consecutive failed attempts (reset on success). */
  attempts: number
  /** Earliest time (ms) the engine acts on this order again. */
  nextAttemptAt: number
  /** Why the order is in its state (shown in `info`). */
  reason: string
  /** Last time (ms) phase, status or reason changed. */
  lastChange: number
  created: number
  /** The account the order works for (charged its fetch and fee): the owner of the pin that queued it. */
  account?: string
}

export interface NewPin {
  owner: string
  cid: string
  name?: string
  origins?: string[]
  meta?: Record<string, string>
  delegates?: string[]
}

export interface PinRecord {
  requestid: string
  owner: string
  cid: string
  name?: string
  origins: string[]
  meta: Record<string, string>
  delegates: string[]
  /** ms since epoch */
  created: number
  /** The CID's order (absent only for pins accepted before a store upgrade). */
  order?: OrderRecord
}

export type TextMatch = 'exact' | 'iexact' | 'partial' | 'ipartial'

export interface PinQuery {
  owner: string
  cids?: string[]
  name?: string
  match?: TextMatch
  statuses?: PinStatusValue[]
  /** created < before (ms) */
  before?: number
  /** created > after (ms) */
  after?: number
  /** Results returned (count still counts all matches). */
  limit: number
  /** Every key/value must be in the pin's meta. */
  meta?: Record<string, string>
}

export interface PinList {
  count: number
  /** Newest first. */
  results: PinRecord[]
}

/** Fields to change; an `undefined` value clears an optional field. */
export type OrderPatch = { [K in Exclude<keyof OrderRecord, 'cid' | 'created'>]?: OrderRecord[K] | undefined }

/** Limits `addPin` checks atomically with the insert (the owner's pins). */
export interface PinLimits {
  /** Live pins of the owner whose order is not placed yet (queued or submitting). */
  maxPending?: number
  /** Pins the owner created since `since` (deleted ones included). */
  maxSince?: number
  /** ms; the start of the window `maxSince` counts in (e.g. the UTC day). */
  since?: number
}

/** A W3Auth tenant's pin of a CID on the node (recursive). */
export interface TenantPin {
  account: string
  /** CIDv1 (base32), the key of the pin. */
  cid: string
  name?: string
  created: number
}

export interface FairOrderQuery {
  /** Only orders with nextAttemptAt <= dueAt. */
  dueAt: number
  /** At most this many orders of one account. */
  perAccount: number
  limit: number
}

export interface OrderQuery {
  phases: OrderPhase[]
  /** Only orders with nextAttemptAt <= dueAt. */
  dueAt?: number
  limit: number
}

/** Persistent pin requests and orders; every method is atomic. */
export interface PinStore {
  /**
   * Stores a pin and, when the CID has no order (or a failed one), queues its order for the pin's owner.
   * With `limits`, throws `PIN_STORE_LIMIT_REACHED` (meta `{ limit: 'pending' | 'since' }`) instead of
   * storing a pin that would pass them (checked in the same transaction, so concurrent pins of one
   * owner cannot overshoot).
   */
  addPin(pin: NewPin, now?: number, limits?: PinLimits): Promise<PinRecord>
  /** Deletes `requestid` of `owner` and adds `pin` in one step; undefined when not found. `limits` as in {@link addPin}. */
  replacePin(owner: string, requestid: string, pin: NewPin, now?: number, limits?: PinLimits): Promise<PinRecord | undefined>
  getPin(owner: string, requestid: string): Promise<PinRecord | undefined>
  listPins(query: PinQuery): Promise<PinList>
  /** False when `owner` has no such pin. */
  deletePin(owner: string, requestid: string, now?: number): Promise<boolean>
  /** Pins (of any owner) still asking for `cid`. */
  countLivePins(cid: string): Promise<number>
  getOrder(cid: string): Promise<OrderRecord | undefined>
  listOrders(query: OrderQuery): Promise<OrderRecord[]>
  /**
   * Due `queued` orders taken round-robin across accounts: every account's oldest first, then every
   * account's second, ... (at most `perAccount` each), so one account's backlog cannot hide another's.
   */
  listDueOrdersFair(query: FairOrderQuery): Promise<OrderRecord[]>
  /**
   * Applies `patch`; with `expectPhase`, only if the order is still in that phase (compare-and-set).
   * Returns the updated order, or undefined when it does not exist or the phase differed.
   */
  updateOrder(cid: string, patch: OrderPatch, expectPhase?: OrderPhase): Promise<OrderRecord | undefined>
  /** Bytes `account` uploaded through the gateway on UTC day `day` (days since 1970-01-01). */
  uploadUsage(account: string, day: number): Promise<number>
  /** Adds `delta` bytes (negative: a refund) to `account`'s usage of `day`; resolves with the new total. */
  addUploadUsage(account: string, day: number, delta: number): Promise<number>
  /**
   * Draws up to `want` bytes (at least `need`) of `account`'s usage of `day` against `limit`, atomically
   * (several gateway processes on one database share one quota): resolves with the bytes granted, 0
   * when `need` does not fit.
   */
  drawUploadUsage(account: string, day: number, need: number, want: number, limit: number): Promise<number>
  /** Records `account`'s pin of `cid` (a CIDv1 key); false when it was already there. */
  addTenantPin(account: string, cid: string, name?: string, now?: number): Promise<boolean>
  /** Removes `account`'s pin of `cid`; false when there was none. */
  removeTenantPin(account: string, cid: string): Promise<boolean>
  /** `account`'s pins (of `cids` only, when given), oldest first. */
  listTenantPins(account: string, cids?: string[]): Promise<TenantPin[]>
  /** Tenant pins of `tenantKey` plus live PSA pins of any of `psaCids` (the forms the CID may be written in). */
  countPinHolders(tenantKey: string, psaCids: string[]): Promise<number>
  /** `account`'s usage of `kind` on UTC day `day` (pinning service: fetched bytes, plancks paid). */
  accountUsage(account: string, day: number, kind: string): Promise<number>
  /** Adds `delta` to `account`'s usage of `kind` on `day`; resolves with the new total. */
  addAccountUsage(account: string, day: number, kind: string, delta: number): Promise<number>
  /** Schema version after migrations. */
  schemaVersion(): Promise<number>
  close(): Promise<void>
}
