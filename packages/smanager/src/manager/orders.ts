/** Orders: what the chain follower learns about orders becomes task records (new, re-ordered, renewed, gone). */
import type { FileNews, OnChainFile } from '../chain/index.js'
import { Reason } from '../reasons.js'
import type { TaskSource } from '../store/index.js'
import type { CloseOrder, ManagerContext } from './context.js'

export class Orders {
  constructor(
    private readonly ctx: ManagerContext,
    private readonly close: CloseOrder,
  ) {}

  async onFile(file: OnChainFile, source: TaskSource, news: FileNews, block: number): Promise<void> {
    const { store, log } = this.ctx
    const fields = { size: file.size, expiredAt: file.expiredAt, replicas: file.replicas }
    const existing = store.get(file.cid)
    if (existing === undefined) {
      const reason = news === 'scan' ? Reason.foundInScan : Reason.orderPlaced
      await store.create({ cid: file.cid, ...fields, source }, reason, block)
      log.info({ cid: file.cid, size: file.size, replicas: file.replicas, source, reason }, 'new order')
      return
    }
    if (news === 'ordered' && (existing.status === 'deleted' || existing.status === 'skipped')) {
      await store.transition(file.cid, 'new', Reason.reordered, { ...fields, source, attempts: 0, nextAttemptAt: 0 }, block)
      log.info({ cid: file.cid, reason: Reason.reordered }, 'order placed again')
      return
    }
    if (existing.status === 'expired' && file.expiredAt > block) {
      await store.transition(file.cid, 'sealed', Reason.renewed, fields, block)
      log.info({ cid: file.cid, expiredAt: file.expiredAt, reason: Reason.renewed }, 'order renewed')
      return
    }
    if (existing.size !== fields.size || existing.expiredAt !== fields.expiredAt || existing.replicas !== fields.replicas) {
      await store.update(file.cid, fields)
    }
  }

  /** After a scan, tasks whose order no longer exists are closed (it closed while the node was down). */
  async onScanned(cids: ReadonlySet<string>, block: number): Promise<void> {
    for (const task of this.ctx.store.all()) {
      if (task.status === 'deleted' || task.status === 'deleting' || cids.has(task.cid)) continue
      await this.close(task.cid, Reason.orderGone, block)
    }
  }

  /** Re-reads the orders of files held or in progress (expiry starts with the first report, without a market event). */
  async refresh(head: number): Promise<void> {
    const tasks = this.ctx.store.byStatus('pulling', 'sealing', 'sealed', 'expired')
    if (tasks.length === 0) return
    const files = await this.ctx.chain.files(tasks.map((t) => t.cid))
    for (let i = 0; i < tasks.length; i++) {
      const file = files[i]
      if (file === undefined) await this.close(tasks[i]!.cid, Reason.orderGone, head)
      else await this.onFile(file, tasks[i]!.source, 'calculated', head)
    }
  }
}
