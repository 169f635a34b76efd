/** Options of the order engine and their defaults. */
import type { ComponentLogger } from '@crust-ts/base'
import type { ApiPromise } from '@polkadot/api'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { OrderRecord, PinStore } from '../store/index.js'

/** Test hooks at the crash windows of the state machine (a hook that never resolves freezes the engine there). */
export interface OrderEngineHooks {
  /** After `submitting` (nonce + signed extrinsic) is persisted, before the extrinsic is sent. */
  afterSubmittingPersisted?(order: OrderRecord): Promise<void> | void
  /** After the pool accepted the extrinsic, before its outcome is persisted. */
  afterSent?(order: OrderRecord): Promise<void> | void
}

/** What one account of the pinning service may cost per UTC day, and its share of the engine. */
export interface AccountLimits {
  /** Orders of one account being fetched or submitted at once (default 4). */
  concurrentFetches: number
  /** Bytes the node may fetch for one account's pins per UTC day (default 32 GiB). */
  bytesPerDay: number
  /** Plancks the service account may pay for one account's orders per UTC day (default 10 CRU). */
  plancksPerDay: bigint
  /** Fetch budget of one pin: a larger DAG is refused (default: below the market's largest file, 8 GiB). */
  maxPinBytes: number
}

export interface OrderEngineInit {
  store: PinStore
  /** A connected API of the chain. */
  api: ApiPromise
  /** The funded service account that pays for the orders. */
  account: KeyringPair
  /** The node's Kubo API base URL (content is pinned there and sized with `files/stat`). */
  ipfsApi: string
  /** Reported replicas that make a pin `pinned` (default 3, as Crust documents). */
  replicaThreshold?: number
  /** Re-order when the file expires within this many blocks (default min(432000, FileDuration / 4)). */
  renewMarginBlocks?: number
  /** Orders being prepared or awaiting inclusion at once (default 32). */
  concurrency?: number
  /** How often queued orders are looked for without a wake-up (default 1000 ms). */
  pollIntervalMs?: number
  /** How often placed orders are checked on chain (default 3000 ms). */
  statusIntervalMs?: number
  /** Failed attempts before an order is `failed` (default 5). */
  maxAttempts?: number
  /** Backoff after a failed attempt: base × 2^(attempts-1), capped (defaults 2000 ms, 5 min). */
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** How long a submitted extrinsic may take to be included before it is reconciled (default 60 s). */
  inclusionTimeoutMs?: number
  /** Deadline of fetching one pin's DAG on the IPFS node (default 10 min). */
  ipfsTimeoutMs?: number
  /** Per-account limits (each defaults as {@link defaultAccountLimits}). */
  accountLimits?: Partial<AccountLimits>
  /** Tip per order, plancks (default 0). */
  tips?: bigint
  logger?: ComponentLogger
  hooks?: OrderEngineHooks
}

/** Crust's pinning service: re-order 30 days (6 s blocks) before expiry. */
export const CRUST_EXPIRE_MARGIN_BLOCKS = 432_000

export const defaultOrderEngineOptions = {
  replicaThreshold: 3,
  concurrency: 32,
  pollIntervalMs: 1000,
  statusIntervalMs: 3000,
  maxAttempts: 5,
  backoffBaseMs: 2000,
  backoffMaxMs: 300_000,
  inclusionTimeoutMs: 60_000,
  ipfsTimeoutMs: 600_000,
  tips: 0n,
} as const

/** Plancks in one CRU. */
export const PLANCKS_PER_CRU = 1_000_000_000_000n

export const defaultAccountLimits: Readonly<AccountLimits> = Object.freeze({
  concurrentFetches: 4,
  bytesPerDay: 32 * 2 ** 30,
  plancksPerDay: 10n * PLANCKS_PER_CRU,
  maxPinBytes: 8 * 2 ** 30 - 1,
})
