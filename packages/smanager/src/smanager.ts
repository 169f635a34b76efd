/**
 * The sManager: follows storage orders on chain, decides which ones this node takes, pulls them
 * through its IPFS node, asks the sWorker to seal them, settles expired ones and deletes closed
 * ones. It reacts to every new block (no polling rounds), keeps one persistent task per CID and
 * records every decision with a reason.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ApiPromise } from '@polkadot/api'
import { encodeAddress } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import { ChainFollower, type ChainClient, type ChainGroup, type FileNews, type OnChainFile, PolkadotChainClient, settleFile } from './chain/index.js'
import { errorText, SmanagerError, SmanagerErrorCode } from './errors.js'
import { KuboPullClient, type PullClient } from './ipfs/index.js'
import { resolveConfig, type SmanagerConfig } from './options.js'
import { failureReason, Reason } from './reasons.js'
import {
  backoffMs,
  type Candidate,
  lifetimeFilter,
  pickSource,
  replicasFilter,
  shardFilter,
  sizeFilter,
  type SpaceFigures,
  spaceFilter,
  strategyWeights,
} from './scheduler/index.js'
import { HOLDING_STATUSES, type Task, type TaskSource, type TaskStatus, TaskStore, type TaskView } from './store/index.js'
import { HttpSworkerClient, type SworkerClient } from './sworker/index.js'

/** The node's role: an isolation node is its own owner; a member shards orders with its group. */
export type SmanagerRole = 'isolation' | 'member'

export interface SmanagerInit {
  dataDir: string
  /** Connected; owned by the caller (the sManager does not disconnect it). */
  api: ApiPromise
  /** Node account: signs `market.calculateReward`. */
  account: KeyringPair
  /** Kubo RPC base URL, e.g. http://127.0.0.1:5001 */
  ipfsApi: string
  /** sWorker base URL, e.g. http://127.0.0.1:12222 */
  sworkerApi: string
  role?: SmanagerRole
  config?: Partial<SmanagerConfig>
  logger: ComponentLogger
}

/** The collaborators of {@link Smanager} (real clients in production, fakes in unit tests). */
export interface SmanagerComponents {
  store: TaskStore
  chain: ChainClient
  ipfs: PullClient
  sworker: SworkerClient
  logger: ComponentLogger
  /** SS58 address of the node account. */
  account: string
  role: SmanagerRole
  config: SmanagerConfig
  /** [0, 1) source for strategy picks (default Math.random). */
  random?: () => number
  /** Wall clock, ms (default Date.now). */
  now?: () => number
}

/** Filter for {@link Smanager.tasks}. */
export interface TaskFilter {
  status?: TaskStatus
}

type Stage = 'pull' | 'seal' | 'track'

interface Job {
  controller: AbortController
  done: Promise<void>
}

interface SettleState {
  expiry: number
  nextAt: number
  tries: number
}

/** How long sealing may show no record at all after `seal_start` before it counts as failed. */
const SEAL_START_GRACE_POLLS = 20
const SETTLE_RETRY_BASE_MS = 2_000
const DEFAULT_SS58 = 66

export class Smanager {
  /** Emits `'task'` with a {@link TaskView} on every change of a task (status, order data, pull progress). */
  readonly events = new EventEmitter()
  private readonly log: Logger
  private readonly store: TaskStore
  private readonly chain: ChainClient
  private readonly ipfs: PullClient
  private readonly sworker: SworkerClient
  private readonly config: SmanagerConfig
  private readonly random: () => number
  private readonly now: () => number
  private readonly follower: ChainFollower
  private readonly jobs = new Map<string, Job>()
  private readonly progress = new Map<string, { blocks: number; at: number }>()
  private readonly removing = new Set<string>()
  private readonly settling = new Map<string, SettleState>()
  private readonly shutdown = new AbortController()
  private settleQueue: Promise<void> = Promise.resolve()
  private unsubscribe: (() => void) | undefined
  private latestHead = 0
  private lastRefresh = 0
  private draining: Promise<void> | undefined
  private stopped = false

  /** Builds the sManager over the given components; {@link Smanager.start} is the usual way in. */
  constructor(private readonly components: SmanagerComponents) {
    this.log = components.logger.forComponent('smanager')
    this.store = components.store
    this.chain = components.chain
    this.ipfs = components.ipfs
    this.sworker = components.sworker
    this.config = components.config
    this.random = components.random ?? Math.random
    this.now = components.now ?? Date.now
    this.events.setMaxListeners(0)
    this.store.onChange = (task) => this.emit(task)
    this.follower = new ChainFollower({
      chain: this.chain,
      scanPageSize: this.config.scanPageSize,
      maxCatchUpBlocks: this.config.maxCatchUpBlocks,
      log: components.logger.forComponent('smanager:chain'),
      handlers: {
        onFile: (file, source, news, block) => this.onFile(file, source, news, block),
        onClosed: (cid, reason, block) => this.close(cid, reason, block),
        onScanned: (cids, block) => this.onScanned(cids, block),
      },
    })
  }

  /** Opens the task store in `dataDir`, resumes interrupted work, scans the orders and follows new blocks. */
  static async start(init: SmanagerInit): Promise<Smanager> {
    const config = resolveConfig(init.config)
    const store = TaskStore.open({ path: join(init.dataDir, 'tasks'), historyLimit: config.historyLimit })
    try {
      const sm = new Smanager({
        store,
        chain: new PolkadotChainClient(init.api, init.account),
        ipfs: new KuboPullClient(init.ipfsApi),
        sworker: new HttpSworkerClient(init.sworkerApi),
        logger: init.logger,
        // the chain's address format, whatever the key pair's keyring used (group members are compared as text)
        account: encodeAddress(init.account.publicKey, init.api.registry.chainSS58 ?? DEFAULT_SS58),
        role: init.role ?? 'isolation',
        config,
      })
      await sm.run()
      return sm
    } catch (err) {
      await store.close()
      throw err
    }
  }

  /** Resumes interrupted work, scans the orders, then reacts to each new block. */
  async run(): Promise<void> {
    const { role, account } = this.components
    this.log.info({ account, role, tasks: this.store.size }, 'sManager starting')
    await this.recover()
    this.latestHead = await this.follower.scan()
    await this.tick(this.latestHead)
    this.unsubscribe = await this.chain.subscribeHeads((n) => this.onHead(n))
  }

  /** Stops following the chain and aborts pulls (they resume on the next start); closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.unsubscribe?.()
    this.shutdown.abort()
    for (const job of this.jobs.values()) job.controller.abort()
    await this.draining
    for (const job of this.jobs.values()) job.controller.abort()
    await Promise.all([...this.jobs.values()].map((j) => j.done))
    await this.settleQueue
    await this.store.close()
    this.log.info('sManager stopped')
  }

  /** The task of `cid`, with its pull progress. */
  task(cid: string): TaskView | undefined {
    const task = this.store.get(cid)
    return task === undefined ? undefined : this.view(task)
  }

  /** Every task, or those in `filter.status`. */
  tasks(filter: TaskFilter = {}): TaskView[] {
    const list = filter.status === undefined ? this.store.all() : this.store.byStatus(filter.status)
    return list.map((t) => this.view(t))
  }

  // ---- chain ----

  private onHead(n: number): void {
    if (this.stopped) return
    this.latestHead = Math.max(this.latestHead, n)
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined
    })
  }

  /** Handles heads one at a time; heads that arrive meanwhile are folded into the next round. */
  private async drain(): Promise<void> {
    while (!this.stopped && this.follower.lastBlock < this.latestHead) {
      const head = this.latestHead
      try {
        await this.tick(head)
      } catch (err) {
        if (this.stopped) return
        this.log.warn({ err, block: head }, 'block handling failed; retried on the next block')
        return
      }
    }
  }

  private async tick(head: number): Promise<void> {
    await this.follower.advance(head)
    if (head - this.lastRefresh >= this.config.refreshEveryBlocks) {
      await this.refresh(head)
      this.lastRefresh = head
    }
    await this.expire(head)
    this.retryRemovals()
    await this.schedule(head)
  }

  private async onFile(file: OnChainFile, source: TaskSource, news: FileNews, block: number): Promise<void> {
    const fields = { size: file.size, expiredAt: file.expiredAt, replicas: file.replicas }
    const existing = this.store.get(file.cid)
    if (existing === undefined) {
      const reason = news === 'scan' ? Reason.foundInScan : Reason.orderPlaced
      await this.store.create({ cid: file.cid, ...fields, source }, reason, block)
      this.log.info({ cid: file.cid, size: file.size, replicas: file.replicas, source, reason }, 'new order')
      return
    }
    if (news === 'ordered' && (existing.status === 'deleted' || existing.status === 'skipped')) {
      await this.store.transition(file.cid, 'new', Reason.reordered, { ...fields, source, attempts: 0, nextAttemptAt: 0 }, block)
      this.log.info({ cid: file.cid, reason: Reason.reordered }, 'order placed again')
      return
    }
    if (existing.status === 'expired' && file.expiredAt > block) {
      await this.store.transition(file.cid, 'sealed', Reason.renewed, fields, block)
      this.log.info({ cid: file.cid, expiredAt: file.expiredAt, reason: Reason.renewed }, 'order renewed')
      return
    }
    if (existing.size !== fields.size || existing.expiredAt !== fields.expiredAt || existing.replicas !== fields.replicas) {
      await this.store.update(file.cid, fields)
    }
  }

  /** After a scan, tasks whose order no longer exists are closed (it closed while the node was down). */
  private async onScanned(cids: ReadonlySet<string>, block: number): Promise<void> {
    for (const task of this.store.all()) {
      if (task.status === 'deleted' || task.status === 'deleting' || cids.has(task.cid)) continue
      await this.close(task.cid, Reason.orderGone, block)
    }
  }

  /** Re-reads the orders of files held or in progress (expiry starts with the first report, without a market event). */
  private async refresh(head: number): Promise<void> {
    const tasks = this.store.byStatus('pulling', 'sealing', 'sealed', 'expired')
    if (tasks.length === 0) return
    const files = await this.chain.files(tasks.map((t) => t.cid))
    for (let i = 0; i < tasks.length; i++) {
      const file = files[i]
      if (file === undefined) await this.close(tasks[i]!.cid, Reason.orderGone, head)
      else await this.onFile(file, tasks[i]!.source, 'calculated', head)
    }
  }

  // ---- decisions ----

  private async schedule(head: number): Promise<void> {
    if (this.stopped) return
    const now = this.now()
    const { maxAttempts, maxPendingTasks, maxDecisionsPerBlock } = this.config
    let slots = maxPendingTasks - this.jobs.size
    if (slots <= 0) return
    const due = (t: Task) =>
      (t.status === 'new' || t.status === 'failed') && t.nextAttemptAt <= now && !this.jobs.has(t.cid) && (maxAttempts === 0 || t.attempts < maxAttempts)
    const pools: Record<TaskSource, Task[]> = { chainEvent: [], dbScan: [] }
    for (const t of this.store.all()) if (due(t)) pools[t.source].push(t)
    if (pools.chainEvent.length + pools.dbScan.length === 0) return
    const weights = strategyWeights(this.config.strategy)
    const context: DecisionContext = { head }
    for (let decisions = 0; slots > 0 && decisions < maxDecisionsPerBlock; decisions++) {
      let source = pickSource(weights, this.random)
      if (pools[source].length === 0) source = source === 'dbScan' ? 'chainEvent' : 'dbScan'
      const task = pools[source].shift()
      if (task === undefined) break
      if (await this.decide(task, context)) slots--
    }
  }

  /** Applies the rules to one order; true when a job started for it. */
  private async decide(task: Task, context: DecisionContext): Promise<boolean> {
    const { cid } = task
    const file = await this.chain.file(cid)
    if (file === undefined) {
      await this.close(cid, Reason.orderGone, context.head)
      return false
    }
    const candidate: Candidate = { cid, size: file.size, replicas: file.replicas, expiredAt: file.expiredAt, source: task.source }
    await this.store.update(cid, { size: file.size, expiredAt: file.expiredAt, replicas: file.replicas })
    const skip = lifetimeFilter(candidate, context.head) ?? sizeFilter(candidate, this.config) ?? replicasFilter(candidate, this.config)
    if (skip !== undefined) return this.skip(cid, skip, context.head)
    if (this.components.role === 'member') {
      const group = await this.groupInfo(context)
      if (group === undefined) return this.defer(task, 'noGroup', context.head)
      if (group.owner === this.components.account) return this.defer(task, 'groupOwner', context.head)
      const index = group.members.indexOf(this.components.account)
      const shard = index < 0 ? 'nodeSkipped' : shardFilter(cid, { ...group, index })
      if (shard !== undefined) return this.skip(cid, shard, context.head)
    }
    const info = await this.sworker.fileInfo(cid)
    if (info?.type === 'valid') {
      await this.store.transition(cid, 'sealed', Reason.handled, {}, context.head)
      this.log.info({ cid, reason: Reason.handled }, 'already sealed by the sWorker')
      return false
    }
    if (info?.type === 'pending') {
      await this.store.transition(cid, 'sealing', Reason.handled, {}, context.head)
      this.log.info({ cid, reason: Reason.handled }, 'the sWorker is sealing it already')
      this.startJob(cid, 'track')
      return true
    }
    context.space ??= await this.sworker.workload()
    const pendingBytes = this.store.byStatus('pulling', 'sealing').reduce((sum, t) => sum + t.size, 0)
    const space = spaceFilter(file.size, pendingBytes, context.space, this.config)
    if (space !== undefined) return this.defer(task, space, context.head)
    this.log.info({ cid, size: file.size, replicas: file.replicas, source: task.source, reason: task.attempts > 0 ? Reason.retry : Reason.picked }, 'order taken')
    this.startJob(cid, 'pull')
    return true
  }

  private async groupInfo(context: DecisionContext): Promise<ChainGroup | undefined> {
    if (!('group' in context)) context.group = await this.chain.group(this.components.account)
    return context.group
  }

  private async skip(cid: string, reason: string, head: number): Promise<false> {
    await this.store.transition(cid, 'skipped', reason, {}, head)
    this.log.info({ cid, reason }, 'order skipped')
    return false
  }

  /** Leaves the task waiting (same status) and looks again after the base retry delay. */
  private async defer(task: Task, reason: string, head: number): Promise<false> {
    const nextAttemptAt = this.now() + this.config.retryBaseMs
    if (task.reason === reason) {
      await this.store.update(task.cid, { nextAttemptAt })
      this.log.debug({ cid: task.cid, reason }, 'order deferred')
    } else {
      await this.store.transition(task.cid, task.status, reason, { nextAttemptAt }, head)
      this.log.info({ cid: task.cid, reason }, 'order deferred')
    }
    return false
  }

  // ---- pull and seal ----

  private startJob(cid: string, stage: Stage): void {
    if (this.stopped) return
    const controller = new AbortController()
    const job: Job = { controller, done: Promise.resolve() }
    this.jobs.set(cid, job)
    job.done = this.runJob(cid, stage, controller.signal).finally(() => {
      if (this.jobs.get(cid) === job) this.jobs.delete(cid)
      this.progress.delete(cid)
    })
  }

  private async runJob(cid: string, stage: Stage, signal: AbortSignal): Promise<void> {
    const log = this.log
    try {
      if (stage === 'pull') {
        const task = this.store.get(cid)!
        await this.store.transition(cid, 'pulling', task.attempts > 0 ? Reason.retry : Reason.picked, { attempts: task.attempts + 1 }, this.latestHead)
        const started = this.now()
        const { blocks } = await this.ipfs.pull(cid, {
          idleTimeoutMs: this.config.pullIdleTimeoutMs,
          signal,
          onProgress: (n) => this.setProgress(cid, n),
        })
        log.info({ cid, blocks, ms: this.now() - started, reason: Reason.pulled }, 'pulled')
        await this.store.transition(cid, 'sealing', Reason.pulled, {}, this.latestHead)
        stage = 'seal'
      }
      if (stage === 'seal') {
        const outcome = await this.sworker.sealStart(cid)
        if (outcome === 'alreadySealed') {
          await this.store.transition(cid, 'sealed', Reason.handled, { lastError: undefined }, this.latestHead)
          log.info({ cid, reason: Reason.handled }, 'already sealed by the sWorker')
          return
        }
      }
      await this.trackSeal(cid, signal)
      await this.store.transition(cid, 'sealed', Reason.sealed, { lastError: undefined }, this.latestHead)
      log.info({ cid, reason: Reason.sealed }, 'sealed')
    } catch (err) {
      // closed or stopping: whoever aborted decides what the task becomes
      if (signal.aborted) return
      await this.fail(cid, err)
    }
  }

  /** Follows `file/info` until the file is valid; throws when it is lost, vanished or stalled. */
  private async trackSeal(cid: string, signal: AbortSignal): Promise<void> {
    const { sealPollMs, sealIdleTimeoutMs } = this.config
    let sawPending = false
    let missing = 0
    let lastSize = -1
    let lastChange = this.now()
    for (;;) {
      const info = await this.sworker.fileInfo(cid)
      if (info?.type === 'valid') return
      if (info?.type === 'lost') throw new SmanagerError(SmanagerErrorCode.SEAL_FAILED, 'the sWorker reports the file lost', { cid })
      if (info === undefined) {
        missing++
        if (sawPending || missing > SEAL_START_GRACE_POLLS) {
          throw new SmanagerError(SmanagerErrorCode.SEAL_FAILED, 'the sWorker has no record of the file (sealing failed)', { cid })
        }
      } else {
        sawPending = true
        const size = info.sealed_size ?? info.s_size ?? 0
        if (size !== lastSize) {
          lastSize = size
          lastChange = this.now()
        } else if (this.now() - lastChange > sealIdleTimeoutMs) {
          await this.sworker.sealEnd(cid).catch(() => false)
          throw new SmanagerError(SmanagerErrorCode.SEAL_STALLED, `sealing made no progress for ${sealIdleTimeoutMs} ms`, { cid, sealedSize: size })
        }
      }
      await sleep(sealPollMs, undefined, { signal })
    }
  }

  private async fail(cid: string, err: unknown): Promise<void> {
    const task = this.store.get(cid)
    if (task === undefined) return
    const reason = failureReason(err)
    const gaveUp = this.config.maxAttempts > 0 && task.attempts >= this.config.maxAttempts
    const delay = backoffMs(task.attempts, { baseMs: this.config.retryBaseMs, factor: this.config.retryFactor, maxMs: this.config.retryMaxMs })
    await this.store.transition(cid, 'failed', reason, {
      lastError: errorText(err),
      nextAttemptAt: gaveUp ? Number.MAX_SAFE_INTEGER : this.now() + delay,
    }, this.latestHead)
    this.log.warn({ cid, reason, attempts: task.attempts, retryInMs: gaveUp ? undefined : delay, err: errorText(err) }, gaveUp ? 'task failed, giving up' : 'task failed, will retry')
  }

  private setProgress(cid: string, blocks: number): void {
    this.progress.set(cid, { blocks, at: this.now() })
    this.log.debug({ cid, blocks }, 'pull progress')
    const task = this.store.get(cid)
    if (task !== undefined) this.emit(task)
  }

  // ---- expiry, settlement, deletion ----

  private async expire(head: number): Promise<void> {
    for (const task of this.store.byStatus('sealed')) {
      if (task.expiredAt > 0 && task.expiredAt <= head) {
        await this.store.transition(task.cid, 'expired', Reason.orderExpired, {}, head)
        this.log.info({ cid: task.cid, expiredAt: task.expiredAt, reason: Reason.orderExpired }, 'order expired')
      }
    }
    if (!this.config.settle) return
    const now = this.now()
    for (const task of this.store.byStatus('expired')) {
      if (task.settledExpiry === task.expiredAt) continue
      const state = this.settling.get(task.cid)
      if (state !== undefined && state.expiry === task.expiredAt && state.nextAt > now) continue
      const next: SettleState = { expiry: task.expiredAt, tries: (state?.expiry === task.expiredAt ? state.tries : 0) + 1, nextAt: Number.MAX_SAFE_INTEGER }
      this.settling.set(task.cid, next)
      // one settlement at a time: they share the node account's nonce
      this.settleQueue = this.settleQueue.then(() => this.settle(task.cid, next))
    }
  }

  private async settle(cid: string, state: SettleState): Promise<void> {
    if (this.stopped) return
    const task = this.store.get(cid)
    if (task?.status !== 'expired' || task.expiredAt !== state.expiry) return
    try {
      const file = await this.chain.file(cid)
      // someone settled first: the events (or the next refresh) tell what became of it
      if (file === undefined || file.expiredAt !== state.expiry) {
        this.settling.delete(cid)
        return
      }
      const outcome = await settleFile(this.chain, cid, { attempts: this.config.settleSubmitAttempts, signal: this.shutdown.signal })
      if (outcome.ok) {
        // the closing events may have been handled already: a note, not a transition
        await this.store.note(cid, Reason.settled, { settledExpiry: state.expiry }, this.latestHead)
        this.log.info({ cid, expiredAt: state.expiry, reason: Reason.settled }, 'calculateReward submitted')
        this.settling.delete(cid)
        return
      }
      throw new SmanagerError(SmanagerErrorCode.SETTLE_FAILED, `calculateReward failed: ${outcome.error}`, { cid, error: outcome.error })
    } catch (err) {
      if (this.stopped) return
      const delay = backoffMs(state.tries, { baseMs: SETTLE_RETRY_BASE_MS, factor: 2, maxMs: this.config.retryMaxMs })
      state.nextAt = this.now() + delay
      await this.store.note(cid, Reason.settleFailed, { lastError: errorText(err) }, this.latestHead).catch(() => {})
      this.log.warn({ cid, reason: Reason.settleFailed, retryInMs: delay, err: errorText(err) }, 'settlement failed')
    }
  }

  /** The order of `cid` closed: anything held is removed from the sWorker and IPFS. */
  private async close(cid: string, reason: string, block: number): Promise<void> {
    const task = this.store.get(cid)
    if (task === undefined || task.status === 'deleted' || task.status === 'deleting') return
    const job = this.jobs.get(cid)
    if (job !== undefined) {
      job.controller.abort()
      await job.done
    }
    this.settling.delete(cid)
    if (!HOLDING_STATUSES.has(task.status)) {
      await this.store.transition(cid, 'deleted', reason, { nextAttemptAt: 0 }, block)
      this.log.info({ cid, reason }, 'order closed (nothing held)')
      return
    }
    await this.store.transition(cid, 'deleting', reason, { nextAttemptAt: 0 }, block)
    this.log.info({ cid, reason }, 'order closed, deleting the file')
    await this.remove(cid, reason)
  }

  private retryRemovals(): void {
    const now = this.now()
    for (const task of this.store.byStatus('deleting')) {
      if (task.nextAttemptAt <= now && !this.removing.has(task.cid)) void this.remove(task.cid, task.reason)
    }
  }

  private async remove(cid: string, reason: string): Promise<void> {
    if (this.removing.has(cid)) return
    this.removing.add(cid)
    try {
      const sealed = await this.sworker.delete(cid)
      const pinned = await this.ipfs.unpin(cid)
      await this.store.transition(cid, 'deleted', reason, { lastError: undefined }, this.latestHead)
      this.log.info({ cid, reason, sworker: sealed, ipfs: pinned }, 'deleted')
    } catch (err) {
      const task = this.store.get(cid)
      const tries = (task?.history.filter((h) => h.status === 'deleting').length ?? 1) || 1
      const delay = backoffMs(tries, { baseMs: this.config.retryBaseMs, factor: this.config.retryFactor, maxMs: this.config.retryMaxMs })
      await this.store.update(cid, { lastError: errorText(err), nextAttemptAt: this.now() + delay }).catch(() => {})
      this.log.warn({ cid, reason, err: errorText(err) }, 'deletion failed, will retry')
    } finally {
      this.removing.delete(cid)
    }
  }

  // ---- restart ----

  /** Tasks a crash left `pulling`/`sealing` are checked against the sWorker and resumed or retried. */
  private async recover(): Promise<void> {
    for (const task of this.store.byStatus('pulling', 'sealing')) {
      let type: string | undefined
      try {
        type = (await this.sworker.fileInfo(task.cid))?.type
      } catch (err) {
        this.log.warn({ cid: task.cid, err: errorText(err) }, 'cannot ask the sWorker about an interrupted task')
      }
      if (type === 'valid') {
        await this.store.transition(task.cid, 'sealed', Reason.handled)
        this.log.info({ cid: task.cid, reason: Reason.handled }, 'interrupted task found sealed')
      } else if (type === 'pending') {
        await this.store.transition(task.cid, 'sealing', Reason.resumed)
        this.log.info({ cid: task.cid, reason: Reason.resumed }, 'following an interrupted seal')
        this.startJob(task.cid, 'track')
      } else {
        await this.store.transition(task.cid, 'failed', Reason.interrupted, { nextAttemptAt: 0 })
        this.log.info({ cid: task.cid, reason: Reason.interrupted }, 'interrupted task will be retried')
      }
    }
  }

  // ---- views ----

  private view(task: Task): TaskView {
    const progress = this.progress.get(task.cid)
    return progress === undefined ? { ...task } : { ...task, progress: { ...progress } }
  }

  private emit(task: Task): void {
    this.events.emit('task', this.view(task))
  }
}

/** Data shared by the decisions of one block (read at most once per block). */
interface DecisionContext {
  head: number
  space?: SpaceFigures
  group?: ChainGroup | undefined
}
