/** Retry delays: exponential, capped. */

export interface BackoffOptions {
  baseMs: number
  factor: number
  maxMs: number
}

/** Delay before attempt `attempts + 1`, after `attempts` (≥ 1) failed ones: base × factor^(attempts−1), at most maxMs. */
export function backoffMs(attempts: number, options: BackoffOptions): number {
  const n = Math.max(1, attempts)
  const delay = options.baseMs * options.factor ** (n - 1)
  return Number.isFinite(delay) ? Math.min(options.maxMs, delay) : options.maxMs
}
