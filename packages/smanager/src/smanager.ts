/**
 * The sManager: follows storage orders on chain, decides which ones this node takes, pulls them
 * through its IPFS node, asks the sWorker to seal them, settles expired ones and deletes closed
 * ones. It reacts to every new block (no polling rounds), keeps one persistent task per CID and
 * records every decision with a reason.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { ApiPromise } from '@polkadot/api'
import { encodeAddress } from '@polkadot/keyring'
import type { KeyringPair } from '@polkadot/keyring/types'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import { type ChainClient, ChainFollower, type ChallengeChain, PolkadotChainClient, PolkadotChallengeChain } from './chain/index.js'
import { type ChallengeStats, Challenges } from './challenges/index.js'
import { KuboPullClient, type PullClient } from './ipfs/index.js'
import { Decisions, JobRunner, type ManagerContext, Orders, recoverTasks, Removal, type SmanagerRole, Settlement } from './manager/index.js'
import { resolveConfig, type SmanagerConfig } from './options.js'
import { type Task, type TaskStatus, TaskStore, type TaskView } from './store/index.js'
import { HttpSworkerClient, type SworkerClient, type SworkerProofClient } from './sworker/index.js'

export type { SmanagerRole } from './manager/index.js'

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
  /** The sWorker's API token file (`<sworker data>/api-token`, mode 0600): sent on every POST. */
  sworkerTokenFile: string
  role?: SmanagerRole
  config?: Partial<SmanagerConfig>
  logger: ComponentLogger
  /** Answer storage challenges, submit content roots, declare lost files (default: when the chain has the Challenges pallet). */
  challenges?: boolean
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
  /** Storage challenges: the chain calls and the sWorker's proofs (absent: the node does not answer). */
  challenges?: { chain: ChallengeChain; sworker: SworkerProofClient }
}

/** Filter for {@link Smanager.tasks}. */
export interface TaskFilter {
  status?: TaskStatus
}

const DEFAULT_SS58 = 66

export class Smanager {
  /** Emits `'task'` with a {@link TaskView} on every change of a task (status, order data, pull progress). */
  readonly events = new EventEmitter()
  private readonly log: Logger
  private readonly store: TaskStore
  private readonly chain: ChainClient
  private readonly config: SmanagerConfig
  private readonly follower: ChainFollower
  private readonly jobs: JobRunner
  private readonly orders: Orders
  private readonly decisions: Decisions
  private readonly settlement: Settlement
  private readonly removal: Removal
  private readonly challenges: Challenges | undefined
  private readonly ctx: ManagerContext
  private readonly shutdown = new AbortController()
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
    this.config = components.config
    this.ctx = {
      store: components.store,
      chain: components.chain,
      ipfs: components.ipfs,
      sworker: components.sworker,
      config: components.config,
      log: this.log,
      account: components.account,
      role: components.role,
      random: components.random ?? Math.random,
      now: components.now ?? Date.now,
      latestHead: () => this.latestHead,
      stopped: () => this.stopped,
      signal: this.shutdown.signal,
    }
    this.jobs = new JobRunner(this.ctx, (task) => this.emit(task))
    this.events.setMaxListeners(0)
    this.store.onChange = (task) => this.emit(task)
    const close = (cid: string, reason: string, block: number) => this.removal.close(cid, reason, block)
    this.settlement = new Settlement(this.ctx)
    this.removal = new Removal(this.ctx, this.jobs, this.settlement)
    this.orders = new Orders(this.ctx, close)
    this.decisions = new Decisions(this.ctx, this.jobs, close)
    this.challenges = components.challenges === undefined ? undefined : new Challenges(this.ctx, components.challenges.chain, components.challenges.sworker)
    this.follower = new ChainFollower({
      chain: this.chain,
      scanPageSize: this.config.scanPageSize,
      maxCatchUpBlocks: this.config.maxCatchUpBlocks,
      log: components.logger.forComponent('smanager:chain'),
      handlers: {
        onFile: (file, source, news, block) => this.orders.onFile(file, source, news, block),
        onClosed: close,
        onScanned: (cids, block) => this.orders.onScanned(cids, block),
      },
    })
  }

  /** Opens the task store in `dataDir`, resumes interrupted work, scans the orders and follows new blocks. */
  static async start(init: SmanagerInit): Promise<Smanager> {
    const config = resolveConfig(init.config)
    const store = TaskStore.open({ path: join(init.dataDir, 'tasks'), historyLimit: config.historyLimit })
    try {
      const sworker = new HttpSworkerClient(init.sworkerApi, { tokenFile: init.sworkerTokenFile })
      const answer = init.challenges ?? init.api.tx.challenges?.answerChallenges !== undefined
      const sm = new Smanager({
        store,
        chain: new PolkadotChainClient(init.api, init.account),
        ipfs: new KuboPullClient(init.ipfsApi),
        sworker,
        ...(answer ? { challenges: { chain: new PolkadotChallengeChain(init.api, init.account), sworker } } : {}),
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
    await recoverTasks(this.ctx, this.jobs)
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
    this.jobs.abortAll()
    await this.draining
    this.jobs.abortAll()
    await this.jobs.settled()
    await this.settlement.idle()
    await this.challenges?.idle()
    await this.store.close()
    this.log.info('sManager stopped')
  }

  /** The task of `cid`, with its pull progress. */
  task(cid: string): TaskView | undefined {
    const task = this.store.get(cid)
    return task === undefined ? undefined : this.view(task)
  }

  /** What the node did about storage challenges since it started; undefined when it does not answer them. */
  challengeStats(): ChallengeStats | undefined {
    return this.challenges?.stats()
  }

  /** Every task, or those in `filter.status`. */
  tasks(filter: TaskFilter = {}): TaskView[] {
    const list = filter.status === undefined ? this.store.all() : this.store.byStatus(filter.status)
    return list.map((t) => this.view(t))
  }

  // ---- block loop ----

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
    // First: a deadline does not wait for order handling (which may fail this block).
    this.challenges?.onBlock(head)
    await this.follower.advance(head)
    if (head - this.lastRefresh >= this.config.refreshEveryBlocks) {
      await this.orders.refresh(head)
      this.lastRefresh = head
    }
    await this.settlement.expire(head)
    this.removal.retry()
    await this.decisions.schedule(head)
  }

  // ---- views ----

  private view(task: Task): TaskView {
    const progress = this.jobs.progressOf(task.cid)
    return progress === undefined ? { ...task } : { ...task, progress: { ...progress } }
  }

  private emit(task: Task): void {
    this.events.emit('task', this.view(task))
  }
}
