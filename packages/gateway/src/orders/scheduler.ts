/**
 * Fair scheduling of the engine's slots across accounts: each account has at most `perAccount`
 * orders in flight, and free slots go round-robin, the account served least recently first, so one
 * account's backlog (say, hundreds of CIDs that never resolve) cannot hold the slots others need.
 */

export interface Candidate<T> {
  account: string
  item: T
}

export class FairScheduler {
  private readonly running = new Map<string, number>()
  private readonly lastServed = new Map<string, number>()
  private turn = 0
  private inFlight = 0

  constructor(
    /** Orders of one account in flight at once. */
    readonly perAccount: number,
    /** Orders in flight at once, all accounts together. */
    readonly total: number,
  ) {
    if (!(perAccount >= 1) || !(total >= 1)) throw new RangeError('FairScheduler needs perAccount >= 1 and total >= 1')
  }

  /** Orders in flight. */
  get size(): number {
    return this.inFlight
  }

  /** Orders of `account` in flight. */
  runningFor(account: string): number {
    return this.running.get(account) ?? 0
  }

  /**
   * Chooses which candidates start now (each account's candidates in their own order): one per
   * account per round, accounts served least recently first, within the per-account and total caps.
   * The chosen ones (at most `max`) count as running until {@link finish}.
   */
  pick<T>(candidates: ReadonlyArray<Candidate<T>>, max = Number.POSITIVE_INFINITY): Array<Candidate<T>> {
    const byAccount = new Map<string, Array<Candidate<T>>>()
    for (const c of candidates) {
      const list = byAccount.get(c.account)
      if (list === undefined) byAccount.set(c.account, [c])
      else list.push(c)
    }
    const accounts = [...byAccount.keys()].sort((a, b) => (this.lastServed.get(a) ?? -1) - (this.lastServed.get(b) ?? -1))
    const chosen: Array<Candidate<T>> = []
    let progress = true
    const full = () => this.inFlight >= this.total || chosen.length >= max
    while (progress && !full()) {
      progress = false
      for (const account of accounts) {
        if (full()) break
        if (this.runningFor(account) >= this.perAccount) continue
        const next = byAccount.get(account)!.shift()
        if (next === undefined) continue
        this.start(account)
        chosen.push(next)
        progress = true
      }
    }
    return chosen
  }

  /** Counts one order of `account` as running. */
  start(account: string): void {
    this.running.set(account, this.runningFor(account) + 1)
    this.lastServed.set(account, this.turn++)
    this.inFlight++
  }

  /** One order of `account` is done. */
  finish(account: string): void {
    const n = this.runningFor(account) - 1
    if (n <= 0) this.running.delete(account)
    else this.running.set(account, n)
    this.inFlight = Math.max(0, this.inFlight - 1)
  }

  /** Forgets accounts with nothing running that were served long ago (bounded memory). */
  prune(keep = 10_000): void {
    if (this.lastServed.size <= keep) return
    const idle = [...this.lastServed.entries()].filter(([a]) => !this.running.has(a)).sort((a, b) => a[1] - b[1])
    for (const [account] of idle.slice(0, this.lastServed.size - keep)) this.lastServed.delete(account)
  }
}
