/** Decisions: on each block, picks due tasks by strategy and applies the rules (lifetime, size, replicas, group shard, space). */
import type { ChainGroup } from '../chain/index.js'
import { Reason } from '../reasons.js'
import {
  type Candidate,
  lifetimeFilter,
  pickSource,
  replicasFilter,
  shardFilter,
  sizeFilter,
  type SpaceFigures,
  spaceFilter,
  strategyWeights,
} from '../scheduler/index.js'
import type { Task, TaskSource } from '../store/index.js'
import type { CloseOrder, ManagerContext } from './context.js'
import type { JobRunner } from './jobs.js'

/** Data shared by the decisions of one block (read at most once per block). */
interface DecisionContext {
  head: number
  space?: SpaceFigures
  group?: ChainGroup | undefined
}

export class Decisions {
  constructor(
    private readonly ctx: ManagerContext,
    private readonly jobs: JobRunner,
    private readonly close: CloseOrder,
  ) {}

  /** Takes up to `maxDecisionsPerBlock` decisions while job slots are free. */
  async schedule(head: number): Promise<void> {
    if (this.ctx.stopped()) return
    const now = this.ctx.now()
    const { maxAttempts, maxPendingTasks, maxDecisionsPerBlock } = this.ctx.config
    let slots = maxPendingTasks - this.jobs.size
    if (slots <= 0) return
    const due = (t: Task) =>
      (t.status === 'new' || t.status === 'failed') && t.nextAttemptAt <= now && !this.jobs.has(t.cid) && (maxAttempts === 0 || t.attempts < maxAttempts)
    const pools: Record<TaskSource, Task[]> = { chainEvent: [], dbScan: [] }
    for (const t of this.ctx.store.all()) if (due(t)) pools[t.source].push(t)
    if (pools.chainEvent.length + pools.dbScan.length === 0) return
    const weights = strategyWeights(this.ctx.config.strategy)
    const context: DecisionContext = { head }
    for (let decisions = 0; slots > 0 && decisions < maxDecisionsPerBlock; decisions++) {
      let source = pickSource(weights, this.ctx.random)
      if (pools[source].length === 0) source = source === 'dbScan' ? 'chainEvent' : 'dbScan'
      const task = pools[source].shift()
      if (task === undefined) break
      if (await this.decide(task, context)) slots--
    }
  }

  /** Applies the rules to one order; true when a job started for it. */
  private async decide(task: Task, context: DecisionContext): Promise<boolean> {
    const { store, config, log, sworker } = this.ctx
    const { cid } = task
    const file = await this.ctx.chain.file(cid)
    if (file === undefined) {
      await this.close(cid, Reason.orderGone, context.head)
      return false
    }
    const candidate: Candidate = { cid, size: file.size, replicas: file.replicas, expiredAt: file.expiredAt, source: task.source }
    await store.update(cid, { size: file.size, expiredAt: file.expiredAt, replicas: file.replicas })
    const skip = lifetimeFilter(candidate, context.head) ?? sizeFilter(candidate, config) ?? replicasFilter(candidate, config)
    if (skip !== undefined) return this.skip(cid, skip, context.head)
    if (this.ctx.role === 'member') {
      const group = await this.groupInfo(context)
      if (group === undefined) return this.defer(task, 'noGroup', context.head)
      if (group.owner === this.ctx.account) return this.defer(task, 'groupOwner', context.head)
      const index = group.members.indexOf(this.ctx.account)
      const shard = index < 0 ? 'nodeSkipped' : shardFilter(cid, { ...group, index })
      if (shard !== undefined) return this.skip(cid, shard, context.head)
    }
    const info = await sworker.fileInfo(cid)
    if (info?.type === 'valid') {
      await store.transition(cid, 'sealed', Reason.handled, {}, context.head)
      log.info({ cid, reason: Reason.handled }, 'already sealed by the sWorker')
      return false
    }
    if (info?.type === 'pending') {
      await store.transition(cid, 'sealing', Reason.handled, {}, context.head)
      log.info({ cid, reason: Reason.handled }, 'the sWorker is sealing it already')
      this.jobs.start(cid, 'track')
      return true
    }
    context.space ??= await sworker.workload()
    const pendingBytes = store.byStatus('pulling', 'sealing').reduce((sum, t) => sum + t.size, 0)
    const space = spaceFilter(file.size, pendingBytes, context.space, config)
    if (space !== undefined) return this.defer(task, space, context.head)
    log.info({ cid, size: file.size, replicas: file.replicas, source: task.source, reason: task.attempts > 0 ? Reason.retry : Reason.picked }, 'order taken')
    this.jobs.start(cid, 'pull')
    return true
  }

  private async groupInfo(context: DecisionContext): Promise<ChainGroup | undefined> {
    if (!('group' in context)) context.group = await this.ctx.chain.group(this.ctx.account)
    return context.group
  }

  private async skip(cid: string, reason: string, head: number): Promise<false> {
    await this.ctx.store.transition(cid, 'skipped', reason, {}, head)
    this.ctx.log.info({ cid, reason }, 'order skipped')
    return false
  }

  /** Leaves the task waiting (same status) and looks again after the base retry delay. */
  private async defer(task: Task, reason: string, head: number): Promise<false> {
    const nextAttemptAt = this.ctx.now() + this.ctx.config.retryBaseMs
    if (task.reason === reason) {
      await this.ctx.store.update(task.cid, { nextAttemptAt })
      this.ctx.log.debug({ cid: task.cid, reason }, 'order deferred')
    } else {
      await this.ctx.store.transition(task.cid, task.status, reason, { nextAttemptAt }, head)
      this.ctx.log.info({ cid: task.cid, reason }, 'order deferred')
    }
    return false
  }
}
