/** Expiry and settlement: sealed files whose order ran out become `expired`; expired orders get `market.calculateReward`. */
import { settleFile } from '../chain/index.js'
import { errorText, SmanagerError, SmanagerErrorCode } from '../errors.js'
import { Reason } from '../reasons.js'
import { backoffMs } from '../scheduler/index.js'
import type { ManagerContext } from './context.js'

interface SettleState {
  expiry: number
  nextAt: number
  tries: number
}

const SETTLE_RETRY_BASE_MS = 2_000

export class Settlement {
  private readonly settling = new Map<string, SettleState>()
  private queue: Promise<void> = Promise.resolve()

  constructor(private readonly ctx: ManagerContext) {}

  /** Marks the sealed files whose order expired by `head`, then queues the settlements due. */
  async expire(head: number): Promise<void> {
    const { store, log, config } = this.ctx
    for (const task of store.byStatus('sealed')) {
      if (task.expiredAt > 0 && task.expiredAt <= head) {
        await store.transition(task.cid, 'expired', Reason.orderExpired, {}, head)
        log.info({ cid: task.cid, expiredAt: task.expiredAt, reason: Reason.orderExpired }, 'order expired')
      }
    }
    if (!config.settle) return
    const now = this.ctx.now()
    for (const task of store.byStatus('expired')) {
      if (task.settledExpiry === task.expiredAt) continue
      const state = this.settling.get(task.cid)
      if (state !== undefined && state.expiry === task.expiredAt && state.nextAt > now) continue
      const next: SettleState = { expiry: task.expiredAt, tries: (state?.expiry === task.expiredAt ? state.tries : 0) + 1, nextAt: Number.MAX_SAFE_INTEGER }
      this.settling.set(task.cid, next)
      // one settlement at a time: they share the node account's nonce
      this.queue = this.queue.then(() => this.settle(task.cid, next))
    }
  }

  /** The order of `cid` closed: no settlement of it is pending any more. */
  forget(cid: string): void {
    this.settling.delete(cid)
  }

  /** The end of the settlements queued so far. */
  idle(): Promise<void> {
    return this.queue
  }

  private async settle(cid: string, state: SettleState): Promise<void> {
    const { store, log, config } = this.ctx
    if (this.ctx.stopped()) return
    const task = store.get(cid)
    if (task?.status !== 'expired' || task.expiredAt !== state.expiry) return
    try {
      const file = await this.ctx.chain.file(cid)
      // someone settled first: the events (or the next refresh) tell what became of it
      if (file === undefined || file.expiredAt !== state.expiry) {
        this.settling.delete(cid)
        return
      }
      const outcome = await settleFile(this.ctx.chain, cid, { attempts: config.settleSubmitAttempts, signal: this.ctx.signal })
      if (outcome.ok) {
        // the closing events may have been handled already: a note, not a transition
        await store.note(cid, Reason.settled, { settledExpiry: state.expiry }, this.ctx.latestHead())
        log.info({ cid, expiredAt: state.expiry, reason: Reason.settled }, 'calculateReward submitted')
        this.settling.delete(cid)
        return
      }
      throw new SmanagerError(SmanagerErrorCode.SETTLE_FAILED, `calculateReward failed: ${outcome.error}`, { cid, error: outcome.error })
    } catch (err) {
      if (this.ctx.stopped()) return
      const delay = backoffMs(state.tries, { baseMs: SETTLE_RETRY_BASE_MS, factor: 2, maxMs: config.retryMaxMs })
      state.nextAt = this.ctx.now() + delay
      await store.note(cid, Reason.settleFailed, { lastError: errorText(err) }, this.ctx.latestHead()).catch(() => {})
      log.warn({ cid, reason: Reason.settleFailed, retryInMs: delay, err: errorText(err) }, 'settlement failed')
    }
  }
}
