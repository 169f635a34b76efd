/** Deletion: a closed order's file is removed from the sWorker and unpinned from IPFS, retried until both say done. */
import { errorText } from '../errors.js'
import { backoffMs } from '../scheduler/index.js'
import { HOLDING_STATUSES } from '../store/index.js'
import type { ManagerContext } from './context.js'
import type { JobRunner } from './jobs.js'
import type { Settlement } from './settlement.js'

export class Removal {
  private readonly removing = new Set<string>()

  constructor(
    private readonly ctx: ManagerContext,
    private readonly jobs: JobRunner,
    private readonly settlement: Settlement,
  ) {}

  /** The order of `cid` closed: anything held is removed from the sWorker and IPFS. */
  async close(cid: string, reason: string, block: number): Promise<void> {
    const { store, log } = this.ctx
    const task = store.get(cid)
    if (task === undefined || task.status === 'deleted' || task.status === 'deleting') return
    const running = this.jobs.cancel(cid)
    if (running !== undefined) await running
    this.settlement.forget(cid)
    if (!HOLDING_STATUSES.has(task.status)) {
      await store.transition(cid, 'deleted', reason, { nextAttemptAt: 0 }, block)
      log.info({ cid, reason }, 'order closed (nothing held)')
      return
    }
    await store.transition(cid, 'deleting', reason, { nextAttemptAt: 0 }, block)
    log.info({ cid, reason }, 'order closed, deleting the file')
    await this.remove(cid, reason)
  }

  /** Starts again the deletions whose retry time came. */
  retry(): void {
    const now = this.ctx.now()
    for (const task of this.ctx.store.byStatus('deleting')) {
      if (task.nextAttemptAt <= now && !this.removing.has(task.cid)) void this.remove(task.cid, task.reason)
    }
  }

  private async remove(cid: string, reason: string): Promise<void> {
    const { store, log, config } = this.ctx
    if (this.removing.has(cid)) return
    this.removing.add(cid)
    try {
      const sealed = await this.ctx.sworker.delete(cid)
      const pinned = await this.ctx.ipfs.unpin(cid)
      await store.transition(cid, 'deleted', reason, { lastError: undefined }, this.ctx.latestHead())
      log.info({ cid, reason, sworker: sealed, ipfs: pinned }, 'deleted')
    } catch (err) {
      const task = store.get(cid)
      const tries = (task?.history.filter((h) => h.status === 'deleting').length ?? 1) || 1
      const delay = backoffMs(tries, { baseMs: config.retryBaseMs, factor: config.retryFactor, maxMs: config.retryMaxMs })
      await store.update(cid, { lastError: errorText(err), nextAttemptAt: this.ctx.now() + delay }).catch(() => {})
      log.warn({ cid, reason, err: errorText(err) }, 'deletion failed, will retry')
    } finally {
      this.removing.delete(cid)
    }
  }
}
