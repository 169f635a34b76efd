/** Bounds of the transaction queues; see {@link defaultPoolLimits}. */
export interface PoolLimits {
  /** Most ready transactions held. */
  maxReady: number
  /** Most future transactions held (nonce gap before them). */
  maxFuture: number
  /** Most encoded bytes held, ready and future together. */
  maxBytes: number
  /**
   * Most future transactions (behind a nonce gap) from one sender; its ready chain is bounded only
   * by the pool-wide limits. Default {@link DEFAULT_MAX_PER_SENDER}.
   */
  maxPerSender?: number
  /**
   * How long a future transaction may wait for its nonce gap to fill before it is dropped (ms);
   * default {@link DEFAULT_FUTURE_LIFETIME_MS}. Ready ones leave with their era or their inclusion.
   */
  futureLifetimeMs?: number
}

/** Default lifetime of a future transaction: 10 minutes. */
export const DEFAULT_FUTURE_LIFETIME_MS = 10 * 60 * 1000

/**
 * Default per-sender bound on futures from the network: an eighth of the future queue, so a peer
 * needs eight funded senders to fill it (priority eviction and the future lifetime bound the rest).
 * A sender whose burst a load balancer spreads over several nodes makes each node hold most of its
 * nonces as futures until the peers' pushes fill the gaps: at 64, four validators refused and
 * re-offered most of such a burst, a second per round, and spent ~1.4x the CPU per transaction
 * (consensus README, "Four validators on one machine").
 */
export const DEFAULT_MAX_PER_SENDER = 256

/**
 * Substrate's ready defaults (`--pool-limit 8192`, `--pool-kbytes 20480`), one byte bound across both
 * queues, and room for 2048 future transactions (Substrate: 512, or a tenth of the ready limit):
 * a node fed one sender's nonces round-robin with other nodes holds most of them behind gaps until
 * propagation fills them, and a refused RPC submission would leave a hole no one fills.
 */
export const defaultPoolLimits: Required<PoolLimits> = {
  maxReady: 8192,
  maxFuture: 2048,
  maxBytes: 21 * 1024 * 1024,
  maxPerSender: DEFAULT_MAX_PER_SENDER,
  futureLifetimeMs: DEFAULT_FUTURE_LIFETIME_MS,
}
