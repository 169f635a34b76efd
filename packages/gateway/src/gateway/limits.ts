/** Per-account limits: a token bucket of requests and a byte quota per UTC day. */
import { GatewayErrorCode, GatewayLimitError } from './errors.js'

/** A token bucket per account (the gateway's `rateLimit` option). */
export interface GatewayRateLimit {
  /** Sustained requests per second per account. */
  requestsPerSecond: number
  /** Bucket size: requests an idle account may send at once (default = requestsPerSecond). */
  burst?: number
}

const DAY_MS = 86_400_000
/** Idle buckets are dropped after this long (a full bucket carries no state). */
const BUCKET_IDLE_MS = 10 * 60_000

interface Bucket {
  tokens: number
  at: number
}

/** Token bucket per account; `take` answers whether a request may go now. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly rate: number
  private readonly burst: number
  private lastSweep = 0

  constructor(
    limit: GatewayRateLimit,
    private readonly now: () => number,
  ) {
    if (!(limit.requestsPerSecond > 0)) throw new RangeError('rateLimit.requestsPerSecond must be > 0')
    this.rate = limit.requestsPerSecond / 1000
    this.burst = Math.max(1, limit.burst ?? limit.requestsPerSecond)
  }

  take(account: string): boolean {
    const now = this.now()
    this.sweep(now)
    const bucket = this.buckets.get(account) ?? { tokens: this.burst, at: now }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.rate)
    bucket.at = now
    this.buckets.set(account, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  get size(): number {
    return this.buckets.size
  }

  private sweep(now: number) {
    if (now - this.lastSweep < BUCKET_IDLE_MS) return
    this.lastSweep = now
    for (const [account, bucket] of this.buckets) if (now - bucket.at > BUCKET_IDLE_MS) this.buckets.delete(account)
  }
}

/** Where the daily usage is kept across restarts and shared between gateway processes (the pin store). */
export interface UsageStore {
  uploadUsage(account: string, day: number): Promise<number>
  addUploadUsage(account: string, day: number, delta: number): Promise<number>
  /** Atomic draw against `limit`: the bytes granted (0 when `need` does not fit). */
  drawUploadUsage(account: string, day: number, need: number, want: number, limit: number): Promise<number>
}

/** Bytes of the day's quota set aside for one request; `day` lets the unused rest be refunded. */
export interface QuotaGrant {
  granted: number
  day: number
}

/**
 * Bytes each account made the node take in during the current UTC day (request bodies, pinned DAGs,
 * data read through the API). With a `store` every draw is one atomic step in the store, so several
 * gateway processes on one database honour one quota; without, the usage lives in this process.
 * Requests draw in leases (a part set aside up front, the unused rest refunded), so a request costs
 * one draw per lease, not per chunk.
 */
export class UploadQuota {
  private day = -1
  private readonly used = new Map<string, number>()
  private readonly writing = new Set<Promise<unknown>>()

  constructor(
    readonly bytesPerDay: number,
    private readonly now: () => number,
    private readonly store?: UsageStore,
    private readonly onStoreError: (err: unknown) => void = () => {},
  ) {}

  private today(): number {
    const day = Math.floor(this.now() / DAY_MS)
    if (day !== this.day) {
      this.day = day
      this.used.clear()
    }
    return day
  }

  /** Today's usage of `account`. */
  async usedBy(account: string): Promise<number> {
    const day = this.today()
    return this.store === undefined ? (this.used.get(account) ?? 0) : this.store.uploadUsage(account, day)
  }

  /** Resolves when every refund so far is in the store. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing)
  }

  /**
   * Sets aside up to `want` bytes (at least `need`), counted as used at once so concurrent requests of
   * one account (in any process sharing the store) cannot overdraw; granted 0 when even `need` would
   * exceed the day's quota.
   */
  async lease(account: string, need: number, want: number): Promise<QuotaGrant> {
    const day = this.today()
    if (this.store !== undefined) return { granted: await this.store.drawUploadUsage(account, day, need, want, this.bytesPerDay), day }
    const used = this.used.get(account) ?? 0
    const left = this.bytesPerDay - used
    if (need > left) return { granted: 0, day }
    const granted = Math.max(0, Math.min(Math.max(want, need), left))
    this.used.set(account, used + granted)
    return { granted, day }
  }

  /** Gives back leased bytes a request did not use (only counted while it is still that day). */
  refund(account: string, bytes: number, day: number): void {
    if (bytes <= 0) return
    if (this.store !== undefined) {
      const write = this.store.addUploadUsage(account, day, -bytes).catch(this.onStoreError)
      this.writing.add(write)
      write.finally(() => this.writing.delete(write))
      return
    }
    if (day !== this.today()) return
    this.used.set(account, Math.max(0, (this.used.get(account) ?? 0) - bytes))
  }
}

/**
 * One request's draw on its account's quota: covers a running total by asking for more leases as it
 * grows (a lease smaller than asked means the day is used up: going past it is refused at once), and
 * gives back the unused rest when settled.
 */
export class QuotaMeter {
  private granted = 0
  private day = -1
  private exhausted = false

  constructor(
    private readonly quota: UploadQuota,
    private readonly account: string,
    private readonly leaseBytes: number,
  ) {}

  /** Resolves once `total` bytes are covered; rejects with QUOTA_EXCEEDED when they cannot be. */
  async cover(total: number): Promise<void> {
    if (total <= this.granted) return
    if (this.exhausted) throw new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account: this.account })
    const grant = await this.quota.lease(this.account, total - this.granted, this.leaseBytes)
    if (this.day === -1) this.day = grant.day
    this.granted += grant.granted
    this.exhausted = grant.granted < this.leaseBytes
    if (grant.granted === 0 || total > this.granted) throw new GatewayLimitError(GatewayErrorCode.QUOTA_EXCEEDED, { account: this.account })
  }

  /** Gives back what was drawn beyond `used`. */
  settle(used: number): void {
    if (this.granted > used && this.day !== -1) this.quota.refund(this.account, this.granted - used, this.day)
    this.granted = Math.min(this.granted, used)
  }
}
