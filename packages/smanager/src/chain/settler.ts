/**
 * Settlement: `market.calculateReward(cid)` for an expired file this node holds (Crust's settler
 * incentive; it renews the file from its prepaid pool or closes it). The same account also sends
 * work reports, so a nonce clash is retried with a fresh nonce.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import type { ChainClient, SettleOutcome } from './interface.js'

export interface SettleOptions {
  /** Submissions at most (first one included). */
  attempts: number
  /** Pause before a resubmission, times the attempt number. */
  retryDelayMs?: number
  signal?: AbortSignal
}

const DEFAULT_RETRY_DELAY_MS = 250

function isRetryable(err: unknown): boolean {
  return err instanceof SmanagerError && err.code === SmanagerErrorCode.SETTLE_FAILED && err.meta?.retryable === true
}

/** Submits `calculateReward(cid)`, resubmitting on nonce clashes; the dispatch outcome once in a block. */
export async function settleFile(chain: ChainClient, cid: string, options: SettleOptions): Promise<SettleOutcome> {
  const delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS
  for (let attempt = 1; ; attempt++) {
    try {
      return await chain.calculateReward(cid)
    } catch (err) {
      if (!isRetryable(err) || attempt >= options.attempts || options.signal?.aborted === true) throw err
      await sleep(delay * attempt, undefined, options.signal === undefined ? {} : { signal: options.signal })
    }
  }
}
