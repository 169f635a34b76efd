/**
 * The order engine: one storage order per CID from the service account, with the state machine
 * persisted before every side effect so a crash neither loses an accepted pin nor orders twice.
 * Signing, the nonce and sending live in `submission.ts`; this file is the state machine. A new
 * order carries the DAG's content root for storage challenges (`content-root.ts`).
 *
 * queued ──(pin/add + files/stat; chain check)──▶ submitting ──(in block)──▶ placed ──(replicas ≥ threshold)──▶ pinned
 *   ▲  └────────────── already on chain ────────────────────────────────────▲   │
 *   └──────── renewal due / order gone / retry with backoff ◀────────────────────┘         failed after maxAttempts
 */
import type { Logger } from '@crust-ts/base'
import { type ContentRootReturnType, createKuboClient, dispatchErrorCode, KuboError, maxFileSize, orderFee } from '@crust-ts/sdk'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { DagFetchError, DagFetchErrorCode, fetchDag } from '../dag/index.js'
import type { OrderPhase, OrderRecord, OrderPatch, PinStatusValue, PinStore } from '../store/index.js'
import { type AccountLimits, CRUST_EXPIRE_MARGIN_BLOCKS, defaultOrderEngineOptions as D, defaultAccountLimits, type OrderEngineInit } from './options.js'
import { orderContentRoot } from './content-root.js'
import { FairScheduler } from './scheduler.js'
import { classifyRefusal, type Outcome, OrderSubmitter, refusalMessage, type SentOrder } from './submission.js'
import { ipfsUnreachable } from './ipfs.js'

const DAY_MS = 86_400_000
/** Usage kinds of the pinning service, per account and UTC day, in the store. */
export const USAGE_FETCHED_BYTES = 'psa-fetched-bytes'
export const USAGE_PAID_PLANCKS = 'psa-paid-plancks'

const utcDay = (ms: number) => Math.floor(ms / DAY_MS)

/** An order that waits for its account's next day (limit reached): no attempt counted. */
class Deferred extends Error {
  constructor(
    readonly until: number,
    message: string,
  ) {
    super(message)
  }
}

/** An order that no retry can place (refused DAG, too large, a permanent chain error). */
class Refused extends Error {}

interface ChainFile {
  reportedReplicaCount: number
  expiredAt: number
}

class Stopped extends Error {}

export interface OrderEngineStats {
  inflight: number
  submitted: number
  placed: number
  failedAttempts: number
  nonceResyncs: number
}

export class OrderEngine {
  readonly replicaThreshold: number
  readonly stats: OrderEngineStats = { inflight: 0, submitted: 0, placed: 0, failedAttempts: 0, nonceResyncs: 0 }
  private readonly store: PinStore
  private readonly log: Logger | undefined
  private readonly inflight = new Map<string, Promise<void>>()
  /** Orders whose last task threw, and until when they wait (see track). */
  private readonly cooling = new Map<string, number>()
  private readonly abort = new AbortController()
  private readonly stopped: Promise<never>
  private readonly submitter: OrderSubmitter
  private renewMargin = CRUST_EXPIRE_MARGIN_BLOCKS
  private running = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  private woken = false
  private lastStatusCheck = 0
  private readonly limits: AccountLimits
  private readonly scheduler: FairScheduler
  /** The market's largest file + 1 (orders must be smaller), read at start. */
  private marketLimit: bigint | undefined

  constructor(private readonly init: OrderEngineInit) {
    this.store = init.store
    this.replicaThreshold = init.replicaThreshold ?? D.replicaThreshold
    this.limits = { ...defaultAccountLimits, ...init.accountLimits }
    this.scheduler = new FairScheduler(this.limits.concurrentFetches, init.concurrency ?? D.concurrency)
    this.log = init.logger?.forComponent('gateway:orders')
    this.submitter = new OrderSubmitter(init.api, init.account)
    this.stopped = new Promise<never>((_, reject) => this.abort.signal.addEventListener('abort', () => reject(new Stopped('order engine stopped'))))
    this.stopped.catch(() => {})
  }

  private get address(): string {
    return this.submitter.address
  }

  /** Reads the chain's file duration and nonce, reconciles orders left `submitting` by a crash, then runs. */
  async start(): Promise<void> {
    const api = this.init.api
    const duration = Number((api.consts.market?.fileDuration as { toString(): string } | undefined)?.toString() ?? 0)
    let margin = this.init.renewMarginBlocks ?? Math.min(CRUST_EXPIRE_MARGIN_BLOCKS, Math.floor(duration / 4))
    if (duration > 0 && margin >= duration) {
      this.log?.warn({ margin, duration }, 'renew margin not below the file duration: using half the duration')
      margin = Math.floor(duration / 2)
    }
    this.renewMargin = margin
    try {
      this.marketLimit = maxFileSize(api)
    } catch {
      this.marketLimit = undefined
    }
    await this.resyncNonce()
    const pending = await this.store.listOrders({ phases: ['submitting'], limit: 100_000 })
    if (pending.length > 0) this.log?.info({ count: pending.length }, 'reconciling orders left submitting')
    await Promise.all(pending.map((o) => this.track(o.cid, () => this.reconcile(o))))
    this.running = true
    this.loop = this.run()
    this.log?.info(
      { account: this.address, threshold: this.replicaThreshold, renewMarginBlocks: margin, nonce: this.submitter.nextNonce },
      'order engine started',
    )
  }

  /** Stops the loop; orders in flight stop at their next step without persisting further. */
  async stop(): Promise<void> {
    this.running = false
    this.abort.abort()
    this.wake()
    await this.loop
    await Promise.allSettled([...this.inflight.values()])
  }

  /** Looks for queued orders now. */
  wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  /** Races `p` with stop(). */
  private guard<T>(p: Promise<T> | T): Promise<T> {
    return Promise.race([Promise.resolve(p), this.stopped])
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick()
      } catch (err) {
        if (!this.running) break
        this.log?.warn({ err }, 'order engine tick failed')
      }
      if (!this.running) break
      if (!this.woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.init.pollIntervalMs ?? D.pollIntervalMs)
          this.wakeUp = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      this.woken = false
      this.wakeUp = undefined
    }
  }

  private track(cid: string, fn: () => Promise<void>, account?: string): Promise<void> {
    let failed = false
    const task = fn()
      .catch((err: unknown) => {
        if (err instanceof Stopped) return
        failed = true
        // A task that threw (the chain's connection lost, the store failing) left its order due as
        // it was: it waits a backoff step, or the engine retried it at once, again and again (a
        // gateway whose chain node was down logged 164,370 failures and grew to 1 GiB).
        this.cooling.set(cid, Date.now() + (this.init.backoffBaseMs ?? D.backoffBaseMs))
        this.log?.error({ err, cid }, 'order task failed')
      })
      .finally(() => {
        if (account !== undefined) this.scheduler.finish(account)
        this.inflight.delete(cid)
        this.stats.inflight = this.inflight.size
        if (this.running && !failed) this.wake()
      })
    this.inflight.set(cid, task)
    this.stats.inflight = this.inflight.size
    return task
  }

  /** Whether `cid`'s last task threw less than a backoff step ago. */
  private isCooling(cid: string, now: number): boolean {
    const until = this.cooling.get(cid)
    if (until === undefined) return false
    if (until > now) return true
    this.cooling.delete(cid)
    return false
  }

  private async tick(): Promise<void> {
    const now = Date.now()
    const concurrency = this.init.concurrency ?? D.concurrency
    for (const o of await this.store.listOrders({ phases: ['submitting'], dueAt: now, limit: concurrency })) {
      if (!this.inflight.has(o.cid) && !this.isCooling(o.cid, now) && this.inflight.size < concurrency) this.track(o.cid, () => this.reconcile(o))
    }
    if (this.inflight.size < concurrency) {
      // Round-robin across accounts, each within its share of the slots (see scheduler.ts).
      const due = await this.store.listDueOrdersFair({ dueAt: now, perAccount: this.limits.concurrentFetches, limit: concurrency * 4 })
      const candidates = due.filter((o) => !this.inflight.has(o.cid) && !this.isCooling(o.cid, now)).map((o) => ({ account: o.account ?? '', item: o }))
      for (const { account, item } of this.scheduler.pick(candidates, concurrency - this.inflight.size)) this.track(item.cid, () => this.place(item), account)
      this.scheduler.prune()
    }
    if (now - this.lastStatusCheck >= (this.init.statusIntervalMs ?? D.statusIntervalMs)) {
      this.lastStatusCheck = now
      await this.checkPlaced()
    }
  }

  private async resyncNonce(): Promise<void> {
    await this.submitter.resync()
    this.stats.nonceResyncs = this.submitter.resyncs
  }

  private head(): Promise<number> {
    return this.submitter.head()
  }

  private async chainFile(cid: string): Promise<ChainFile | undefined> {
    const value = (await this.init.api.query.market!.filesV2!(cid)) as unknown as { isNone: boolean; toJSON(): unknown }
    return value.isNone ? undefined : (value.toJSON() as unknown as ChainFile)
  }

  private update(cid: string, patch: OrderPatch, expect: OrderPhase): Promise<OrderRecord | undefined> {
    if (!this.running && this.abort.signal.aborted) return Promise.reject(new Stopped('order engine stopped'))
    const changes = patch.phase !== undefined || patch.status !== undefined || patch.reason !== undefined
    return this.store.updateOrder(cid, changes ? { ...patch, lastChange: Date.now() } : patch, expect)
  }

  private statusFor(replicas: number): PinStatusValue {
    return replicas >= this.replicaThreshold ? 'pinned' : 'pinning'
  }

  /** The IPFS API did not answer: the order waits for it, its attempts unchanged. */
  private async waitForIpfs(order: OrderRecord, err: unknown): Promise<void> {
    const at = Date.now() + 4 * (this.init.backoffBaseMs ?? D.backoffBaseMs)
    this.log?.info({ cid: order.cid, reason: (err as Error).message, retryAt: at }, 'IPFS API unreachable; the order waits for it')
    await this.update(
      order.cid,
      { nextAttemptAt: at, reason: `the IPFS API is unreachable (${(err as Error).message}); retrying at ${new Date(at).toISOString()}, no attempt counted` },
      'queued',
    )
  }

  /** A failed attempt: back to queued with backoff, or failed after maxAttempts. */
  private async attemptFailed(order: OrderRecord, reason: string, expect: OrderPhase, clear: OrderPatch = {}): Promise<void> {
    this.stats.failedAttempts++
    const attempts = order.attempts + 1
    const max = this.init.maxAttempts ?? D.maxAttempts
    if (attempts >= max) {
      this.log?.warn({ cid: order.cid, reason, attempts }, 'order failed')
      await this.update(order.cid, { ...clear, phase: 'failed', status: 'failed', attempts, reason: `${reason}; gave up after ${attempts} attempts` }, expect)
      return
    }
    const delay = Math.min(this.init.backoffMaxMs ?? D.backoffMaxMs, (this.init.backoffBaseMs ?? D.backoffBaseMs) * 2 ** (attempts - 1))
    const at = Date.now() + delay
    this.log?.info({ cid: order.cid, reason, attempts, retryAt: at }, 'order attempt failed')
    await this.update(
      order.cid,
      { ...clear, phase: 'queued', attempts, nextAttemptAt: at, reason: `${reason}; retry ${attempts + 1} of ${max} at ${new Date(at).toISOString()}` },
      expect,
    )
  }

  /** Given up at once: nothing a retry could change. */
  private async refuse(order: OrderRecord, reason: string, expect: OrderPhase, clear: OrderPatch = {}): Promise<void> {
    this.stats.failedAttempts++
    this.log?.warn({ cid: order.cid, account: order.account, reason }, 'order refused')
    await this.update(order.cid, { ...clear, phase: 'failed', status: 'failed', attempts: order.attempts + 1, reason }, expect)
  }

  /**
   * Fetches the pin's DAG block by block within the account's budget and the pin's deadline (the
   * fetched bytes charged to the account), checks every Tsize against the real sizes, pins it on the
   * node (all local by then) and returns its size: the tree size the blocks add up to.
   */
  private async fetchAndSize(order: OrderRecord): Promise<number> {
    const account = order.account ?? ''
    const day = utcDay(Date.now())
    const tomorrow = (day + 1) * DAY_MS
    let root: CID
    try {
      root = CID.parse(order.cid)
    } catch {
      throw new Refused(`${order.cid} is not a CID`)
    }
    if (root.code !== dagPb.code && root.code !== raw.code) throw new Refused(`${order.cid} is not a UnixFS DAG (dag-pb or raw): it has no file size to order`)
    const left = this.limits.bytesPerDay - (await this.store.accountUsage(account, day, USAGE_FETCHED_BYTES))
    if (left <= 0) throw new Deferred(tomorrow, `the account fetched its ${this.limits.bytesPerDay} bytes for today; the pin waits for the next UTC day`)
    const budget = Math.min(this.limits.maxPinBytes, left)
    let fetched = 0
    let size: number
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.init.ipfsTimeoutMs ?? D.ipfsTimeoutMs)])
      const dag = await fetchDag(root, {
        ipfsApi: this.init.ipfsApi,
        budget,
        signal,
        verifyTsize: true,
        onBytes: (_bytes, total) => {
          fetched = total
        },
      })
      size = dag.treeSize
    } catch (err) {
      if (this.abort.signal.aborted) throw new Stopped('stopped')
      if (err instanceof DagFetchError) {
        if (err.code === DagFetchErrorCode.BUDGET_EXCEEDED && budget < this.limits.maxPinBytes) {
          throw new Deferred(tomorrow, `the DAG is larger than what the account may still fetch today (${budget} bytes); the pin waits for the next UTC day`)
        }
        if (!err.retryable) throw new Refused(`refused: ${err.message}`)
      }
      throw err
    } finally {
      if (fetched > 0) await this.store.addAccountUsage(account, day, USAGE_FETCHED_BYTES, fetched)
    }
    if (this.marketLimit !== undefined && BigInt(size) >= this.marketLimit) {
      throw new Refused(`refused: the DAG is ${size} bytes; the market takes files below ${this.marketLimit} bytes`)
    }
    try {
      await createKuboClient({ url: this.init.ipfsApi }).pin.add(order.cid, { recursive: true, signal: this.abort.signal })
    } catch (err) {
      if (this.abort.signal.aborted) throw new Stopped('stopped')
      throw new Error(`IPFS /api/v0/pin/add: ${err instanceof KuboError ? err.detail : (err as Error).message}`)
    }
    return size
  }

  /** Defers the order to `until` when its account's fees for today would pass the limit; true when deferred. */
  private async overSpent(order: OrderRecord, size: number): Promise<boolean> {
    const account = order.account ?? ''
    const day = utcDay(Date.now())
    const fee = (await this.guard(orderFee(this.init.api, size))).total
    const spent = BigInt(Math.round(await this.store.accountUsage(account, day, USAGE_PAID_PLANCKS)))
    if (spent + fee <= this.limits.plancksPerDay) return false
    await this.update(
      order.cid,
      {
        nextAttemptAt: (day + 1) * DAY_MS,
        reason: `the account's orders cost ${spent} plancks today (limit ${this.limits.plancksPerDay}); this one (${fee}) waits for the next UTC day`,
      },
      'queued',
    )
    return true
  }

  /** queued → (IPFS) → chain check → submitting → outcome. */
  private async place(order: OrderRecord): Promise<void> {
    const { cid } = order
    if ((await this.store.countLivePins(cid)) === 0) {
      await this.update(
        cid,
        { phase: 'failed', status: order.status === 'queued' ? 'failed' : order.status, reason: 'no pin request asks for this CID any more' },
        'queued',
      )
      return
    }
    let current: OrderRecord | undefined = order
    if (current.size === undefined) {
      let size: number
      try {
        size = await this.guard(this.fetchAndSize(order))
      } catch (err) {
        if (err instanceof Stopped || this.abort.signal.aborted) throw new Stopped('stopped')
        if (err instanceof Deferred) {
          await this.update(cid, { nextAttemptAt: err.until, reason: err.message }, 'queued')
          return
        }
        if (err instanceof Refused) {
          await this.refuse(order, err.message, 'queued')
          return
        }
        if (ipfsUnreachable(err)) {
          await this.waitForIpfs(order, err)
          return
        }
        await this.attemptFailed(order, `IPFS: ${(err as Error).message}`, 'queued')
        return
      }
      current = await this.update(cid, { size, reason: `pinned on the node; ${size} bytes, checked block by block` }, 'queued')
      if (current === undefined) return
    }
    const size = current.size!
    const [file, head] = await this.guard(Promise.all([this.chainFile(cid), this.head()]))
    if (file !== undefined && (file.expiredAt === 0 || file.expiredAt - head > this.renewMargin)) {
      const replicas = file.reportedReplicaCount
      await this.update(
        cid,
        {
          phase: 'placed',
          status: this.statusFor(replicas),
          replicas,
          expiredAt: file.expiredAt,
          attempts: 0,
          reason: current.orders === 0 ? 'already ordered on chain; watching its replicas' : `order on chain; ${replicas}/${this.replicaThreshold} replicas`,
        },
        'queued',
      )
      return
    }
    if (await this.overSpent(current, size)) return
    const renewing = file !== undefined
    // A new file is ordered with its content root (a renewal keeps the one on chain, or its holders').
    let root: ContentRootReturnType | undefined
    if (!renewing) {
      try {
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.init.ipfsTimeoutMs ?? D.ipfsTimeoutMs)])
        root = await this.guard(orderContentRoot({ ipfsApi: this.init.ipfsApi, cid, size, signal, log: this.log }))
      } catch (err) {
        if (err instanceof Stopped || this.abort.signal.aborted) throw new Stopped('stopped')
        if (ipfsUnreachable(err)) {
          await this.waitForIpfs(current, err)
          return
        }
        await this.attemptFailed(current, `IPFS: reading the DAG back for its content root: ${(err as Error).message}`, 'queued')
        return
      }
    }
    const before = current
    let sent: SentOrder | undefined
    let submitting: OrderRecord | undefined
    await this.submitter.exclusive(async () => {
      if (this.abort.signal.aborted) throw new Stopped('stopped')
      const signed = await this.submitter.signOrder(cid, size, this.init.tips ?? D.tips, root)
      const { nonce } = signed
      submitting = await this.update(
        cid,
        {
          phase: 'submitting',
          nonce,
          txHex: signed.txHex,
          txHash: signed.txHash,
          reason: renewing ? `renewing the order (expires at block ${file.expiredAt})` : 'placing the storage order',
        },
        'queued',
      )
      if (submitting === undefined) return
      this.submitter.take(nonce)
      await this.guard(this.init.hooks?.afterSubmittingPersisted?.(submitting))
      try {
        sent = await this.guard(this.submitter.send(signed.tx))
        this.stats.submitted++
      } catch (err) {
        if (err instanceof Stopped) throw err
        await this.resyncNonce()
        const clear: OrderPatch = { nonce: undefined, txHex: undefined, txHash: undefined }
        if (classifyRefusal(err) === 'nonce') {
          await this.update(
            cid,
            { ...clear, phase: 'queued', nextAttemptAt: Date.now(), reason: `nonce ${nonce} refused (${refusalMessage(err)}); re-placing` },
            'submitting',
          )
        } else await this.attemptFailed(submitting, `the pool refused the order: ${refusalMessage(err)}`, 'submitting', clear)
        sent = undefined
      }
    })
    if (sent === undefined || submitting === undefined) return
    await this.guard(this.init.hooks?.afterSent?.(submitting))
    await this.settle(before, submitting, sent)
  }

  /** Waits for the outcome of a sent order (bounded) and records it. */
  private async settle(before: OrderRecord, submitting: OrderRecord, sent: SentOrder): Promise<void> {
    const timeout = this.init.inclusionTimeoutMs ?? D.inclusionTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const result: Outcome | undefined = await this.guard(
      Promise.race([
        sent.outcome,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), timeout)
        }),
      ]),
    ).finally(() => clearTimeout(timer))
    // gave up waiting (timeout or stop): stop watching; reconcile decides from the chain
    if (result === undefined) sent.cancel()
    const { cid } = before
    const clear: OrderPatch = { nonce: undefined, txHex: undefined }
    if (result === undefined || result.kind === 'dropped') {
      // Uncertain: leave it `submitting`; reconcile decides from the chain.
      this.log?.warn({ cid, status: result?.kind ?? 'timeout' }, 'order not included yet; reconciling')
      await this.reconcile(submitting)
      return
    }
    if (result.kind === 'dispatch-error') {
      // A named error (FileTooLarge, InsufficientCurrency, ...) fails the same way again, paying the fee again.
      if (dispatchErrorCode(result.error) !== 'SDK_ERROR_TX_FAILED')
        await this.refuse(submitting, `the order failed on chain: ${result.error} (not retried: it would fail the same way)`, 'submitting', clear)
      else await this.attemptFailed(submitting, `the order failed on chain: ${result.error}`, 'submitting', clear)
      return
    }
    this.stats.placed++
    await this.store
      .addAccountUsage(submitting.account ?? before.account ?? '', utcDay(Date.now()), USAGE_PAID_PLANCKS, Number(result.fee))
      .catch((err: unknown) => this.log?.warn({ err, cid }, 'cannot record the fee in the account usage'))
    this.log?.info({ cid, block: result.blockNumber, fee: result.fee.toString(), size: before.size }, before.orders > 0 ? 'order renewed' : 'order placed')
    await this.update(
      cid,
      {
        ...clear,
        phase: 'placed',
        status: before.status === 'pinned' ? 'pinned' : 'pinning',
        fee: result.fee.toString(),
        orders: before.orders + 1,
        orderedAt: result.blockNumber,
        attempts: 0,
        reason: `order placed in block ${result.blockNumber}; waiting for ${this.replicaThreshold} replicas`,
      },
      'submitting',
    )
    this.lastStatusCheck = 0
  }

  /** An order left `submitting` (crash, drop or timeout): decide from the chain, resending the same bytes if needed. */
  private async reconcile(order: OrderRecord): Promise<void> {
    const { cid } = order
    const clear: OrderPatch = { nonce: undefined, txHex: undefined }
    if (order.nonce === undefined || order.txHex === undefined) {
      await this.update(cid, { ...clear, phase: 'queued', nextAttemptAt: Date.now(), reason: 'no saved extrinsic; re-placing' }, 'submitting')
      return
    }
    if ((await this.guard(this.submitter.chainNonce())) > order.nonce) {
      const file = await this.guard(this.chainFile(cid))
      if (file === undefined) {
        await this.attemptFailed(order, 'the order extrinsic was included but no order exists (it failed on chain)', 'submitting', clear)
        return
      }
      this.stats.placed++
      this.log?.info({ cid, nonce: order.nonce }, 'order found on chain after a restart')
      await this.update(
        cid,
        {
          ...clear,
          phase: 'placed',
          status: this.statusFor(file.reportedReplicaCount),
          replicas: file.reportedReplicaCount,
          expiredAt: file.expiredAt,
          orders: order.orders + 1,
          attempts: 0,
          reason: `order ${order.txHash ?? ''} found on chain (reconciled); waiting for ${this.replicaThreshold} replicas`,
        },
        'submitting',
      )
      this.lastStatusCheck = 0
      return
    }
    // Not included: the same signed bytes (same nonce) can only ever be included once.
    let sent: SentOrder | undefined
    try {
      sent = await this.submitter.exclusive(async () => {
        const out = await this.guard(this.submitter.send(order.txHex!))
        // The resent extrinsic holds its nonce: new orders take the next ones.
        this.submitter.take(order.nonce!)
        return out
      })
    } catch (err) {
      if (err instanceof Stopped) throw err
      if (classifyRefusal(err) === 'already-imported') {
        await this.update(
          cid,
          { nextAttemptAt: Date.now() + (this.init.pollIntervalMs ?? D.pollIntervalMs), reason: 'order extrinsic waiting in the pool' },
          'submitting',
        )
        return
      }
      await this.resyncNonce()
      if ((await this.guard(this.submitter.chainNonce())) > order.nonce) return this.reconcile(order)
      await this.update(
        cid,
        {
          ...clear,
          txHash: undefined,
          phase: 'queued',
          nextAttemptAt: Date.now(),
          reason: `saved order extrinsic no longer valid (${refusalMessage(err)}); re-placing`,
        },
        'submitting',
      )
      return
    }
    await this.settle(order, order, sent)
  }

  /** placed orders: replica counts, pinned, renewals, orders gone from chain. */
  private async checkPlaced(): Promise<void> {
    const orders = await this.store.listOrders({ phases: ['placed'], limit: 100_000 })
    if (orders.length === 0) return
    const api = this.init.api
    const head = await this.head()
    const files = (await api.query.market!.filesV2!.multi(orders.map((o) => o.cid))) as unknown as Array<{ isNone: boolean; toJSON(): unknown }>
    for (let i = 0; i < orders.length; i++) {
      if (!this.running) return
      const order = orders[i]!
      const value = files[i]!
      if (value.isNone) {
        const live = await this.store.countLivePins(order.cid)
        if (live === 0)
          await this.update(order.cid, { phase: 'failed', status: 'failed', reason: 'the order ended on chain and no pin request is left' }, 'placed')
        else
          await this.update(
            order.cid,
            { phase: 'queued', nextAttemptAt: Date.now(), reason: 'the order is no longer on chain (expired or closed); re-ordering' },
            'placed',
          )
        this.wake()
        continue
      }
      const file = value.toJSON() as unknown as ChainFile
      const replicas = file.reportedReplicaCount
      const status = this.statusFor(replicas)
      if (file.expiredAt > 0 && file.expiredAt - head <= this.renewMargin && (await this.store.countLivePins(order.cid)) > 0) {
        await this.update(
          order.cid,
          {
            phase: 'queued',
            status,
            replicas,
            expiredAt: file.expiredAt,
            nextAttemptAt: Date.now(),
            reason: `renewal due: expires at block ${file.expiredAt} (now ${head})`,
          },
          'placed',
        )
        this.wake()
        continue
      }
      if (replicas !== order.replicas || file.expiredAt !== order.expiredAt || status !== order.status) {
        const reason =
          status === 'pinned'
            ? `${replicas} replicas reported (threshold ${this.replicaThreshold}); expires at block ${file.expiredAt}`
            : `waiting for replicas: ${replicas}/${this.replicaThreshold} reported`
        if (status !== order.status) this.log?.info({ cid: order.cid, replicas, status }, 'pin status changed')
        await this.update(
          order.cid,
          { status, replicas, expiredAt: file.expiredAt, ...(status !== order.status || replicas !== order.replicas ? { reason } : {}) },
          'placed',
        )
      }
    }
  }
}

/** Creates (does not start) an order engine; call `start()`. */
export function createOrderEngine(init: OrderEngineInit): OrderEngine {
  return new OrderEngine(init)
}
