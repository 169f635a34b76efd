/** Per-account limits: a token bucket of requests and a byte quota per UTC day. */

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

  constructor(limit: GatewayRateLimit, private readonly now: () => number) {
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

/** Where the daily upload usage is kept across restarts (the pin store). */
export interface UsageStore {
  uploadUsage(account: string, day: number): Promise<number>
  addUploadUsage(account: string, day: number, delta: number): Promise<number>
}

/**
 * Bytes used per account in the current UTC day. Decisions are made in memory; with a `store` each
 * account's usage of the day is read once (`load`) and every change is written through as a delta,
 * so a restart keeps the day's usage (a change still being written when the process dies is lost).
 */
export class UploadQuota {
  private day = -1
  private readonly used = new Map<string, number>()
  /** Accounts whose usage of `day` has been read from the store. */
  private readonly loaded = new Set<string>()
  private readonly writing = new Set<Promise<unknown>>()

  constructor(
    readonly bytesPerDay: number,
    private readonly now: () => number,
    private readonly store?: UsageStore,
    private readonly onStoreError: (err: unknown) => void = () => {},
  ) {}

  private roll() {
    const day = Math.floor(this.now() / DAY_MS)
    if (day !== this.day) {
      this.day = day
      this.used.clear()
      this.loaded.clear()
    }
  }

  /** Reads `account`'s usage of today from the store once; call before deciding for the account. */
  async load(account: string): Promise<void> {
    this.roll()
    if (this.store === undefined || this.loaded.has(account)) return
    const day = this.day
    const stored = await this.store.uploadUsage(account, day)
    if (day !== this.day || this.loaded.has(account)) return
    this.loaded.add(account)
    this.used.set(account, (this.used.get(account) ?? 0) + stored)
  }

  usedBy(account: string): number {
    this.roll()
    return this.used.get(account) ?? 0
  }

  private record(account: string, day: number, delta: number) {
    if (this.store === undefined) return
    const write = this.store.addUploadUsage(account, day, delta).catch(this.onStoreError)
    this.writing.add(write)
    write.finally(() => this.writing.delete(write))
  }

  /** Resolves when every change so far is in the store. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing)
  }

  /**
   * Sets aside up to `want` bytes (at least `need`) for an upload in progress, counted as used at once so
   * concurrent uploads of one account cannot overdraw; 0 when even `need` would exceed the day's quota.
   * The day is returned so an unused rest can be given back with `refund` (only on the same day).
   */
  lease(account: string, need: number, want: number): { granted: number; day: number } {
    const used = this.usedBy(account)
    const left = this.bytesPerDay - used
    if (need > left) return { granted: 0, day: this.day }
    const granted = Math.min(Math.max(want, need), left)
    this.used.set(account, used + granted)
    this.record(account, this.day, granted)
    return { granted, day: this.day }
  }

  /** Gives back leased bytes an upload did not use (in memory only while it is still that day). */
  refund(account: string, bytes: number, day: number): void {
    if (bytes <= 0) return
    this.record(account, day, -bytes)
    const used = this.usedBy(account)
    if (day !== this.day) return
    this.used.set(account, Math.max(0, used - bytes))
  }

  /** Counts `bytes`; false (and nothing counted) when the day's quota would be exceeded. */
  consume(account: string, bytes: number): boolean {
    const used = this.usedBy(account)
    if (used + bytes > this.bytesPerDay) return false
    this.used.set(account, used + bytes)
    this.record(account, this.day, bytes)
    return true
  }
}
