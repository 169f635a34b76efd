/** Pull and seal: one job per CID pulls the file through IPFS, asks the sWorker to seal it and follows the seal. */
import { setTimeout as sleep } from 'node:timers/promises'
import { errorText, SmanagerError, SmanagerErrorCode } from '../errors.js'
import { failureReason, Reason } from '../reasons.js'
import { backoffMs } from '../scheduler/index.js'
import type { Task } from '../store/index.js'
import type { ManagerContext } from './context.js'

/** Where a job starts: pull then seal then track, seal then track, or track only. */
export type Stage = 'pull' | 'seal' | 'track'

/** Pull progress of a running job: blocks fetched so far and when the count last moved. */
export interface PullProgress {
  blocks: number
  at: number
}

interface Job {
  controller: AbortController
  done: Promise<void>
}

/** How long sealing may show no record at all after `seal_start` before it counts as failed. */
const SEAL_START_GRACE_POLLS = 20

export class JobRunner {
  private readonly jobs = new Map<string, Job>()
  private readonly progress = new Map<string, PullProgress>()

  /** `onProgress` hears of the task whose pull progress moved. */
  constructor(
    private readonly ctx: ManagerContext,
    private readonly onProgress: (task: Task) => void,
  ) {}

  /** Jobs running. */
  get size(): number {
    return this.jobs.size
  }

  has(cid: string): boolean {
    return this.jobs.has(cid)
  }

  progressOf(cid: string): PullProgress | undefined {
    return this.progress.get(cid)
  }

  start(cid: string, stage: Stage): void {
    if (this.ctx.stopped()) return
    const controller = new AbortController()
    const job: Job = { controller, done: Promise.resolve() }
    this.jobs.set(cid, job)
    job.done = this.run(cid, stage, controller.signal).finally(() => {
      if (this.jobs.get(cid) === job) this.jobs.delete(cid)
      this.progress.delete(cid)
    })
  }

  /** Aborts the job of `cid`; its end, or undefined when none runs. */
  cancel(cid: string): Promise<void> | undefined {
    const job = this.jobs.get(cid)
    if (job === undefined) return undefined
    job.controller.abort()
    return job.done
  }

  abortAll(): void {
    for (const job of this.jobs.values()) job.controller.abort()
  }

  /** Resolves when every job running now has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.done))
  }

  private async run(cid: string, stage: Stage, signal: AbortSignal): Promise<void> {
    const { store, config, log } = this.ctx
    try {
      if (stage === 'pull') {
        const task = store.get(cid)!
        await store.transition(cid, 'pulling', task.attempts > 0 ? Reason.retry : Reason.picked, { attempts: task.attempts + 1 }, this.ctx.latestHead())
        const started = this.ctx.now()
        const { blocks } = await this.ctx.ipfs.pull(cid, {
          idleTimeoutMs: config.pullIdleTimeoutMs,
          signal,
          onProgress: (n) => this.setProgress(cid, n),
        })
        log.info({ cid, blocks, ms: this.ctx.now() - started, reason: Reason.pulled }, 'pulled')
        await store.transition(cid, 'sealing', Reason.pulled, {}, this.ctx.latestHead())
        stage = 'seal'
      }
      if (stage === 'seal') {
        const outcome = await this.ctx.sworker.sealStart(cid)
        if (outcome === 'alreadySealed') {
          await store.transition(cid, 'sealed', Reason.handled, { lastError: undefined }, this.ctx.latestHead())
          log.info({ cid, reason: Reason.handled }, 'already sealed by the sWorker')
          return
        }
      }
      await this.trackSeal(cid, signal)
      await store.transition(cid, 'sealed', Reason.sealed, { lastError: undefined }, this.ctx.latestHead())
      log.info({ cid, reason: Reason.sealed }, 'sealed')
    } catch (err) {
      // closed or stopping: whoever aborted decides what the task becomes
      if (signal.aborted) return
      await this.fail(cid, err)
    }
  }

  /** Follows `file/info` until the file is valid; throws when it is lost, vanished or stalled. */
  private async trackSeal(cid: string, signal: AbortSignal): Promise<void> {
    const { sealPollMs, sealIdleTimeoutMs } = this.ctx.config
    const { sworker, now } = this.ctx
    let sawPending = false
    let missing = 0
    let lastSize = -1
    let lastChange = now()
    for (;;) {
      const info = await sworker.fileInfo(cid)
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
          lastChange = now()
        } else if (now() - lastChange > sealIdleTimeoutMs) {
          await sworker.sealEnd(cid).catch(() => false)
          throw new SmanagerError(SmanagerErrorCode.SEAL_STALLED, `sealing made no progress for ${sealIdleTimeoutMs} ms`, { cid, sealedSize: size })
        }
      }
      await sleep(sealPollMs, undefined, { signal })
    }
  }

  private async fail(cid: string, err: unknown): Promise<void> {
    const { store, config } = this.ctx
    const task = store.get(cid)
    if (task === undefined) return
    const reason = failureReason(err)
    const gaveUp = config.maxAttempts > 0 && task.attempts >= config.maxAttempts
    const delay = backoffMs(task.attempts, { baseMs: config.retryBaseMs, factor: config.retryFactor, maxMs: config.retryMaxMs })
    await store.transition(
      cid,
      'failed',
      reason,
      {
        lastError: errorText(err),
        nextAttemptAt: gaveUp ? Number.MAX_SAFE_INTEGER : this.ctx.now() + delay,
      },
      this.ctx.latestHead(),
    )
    this.ctx.log.warn(
      { cid, reason, attempts: task.attempts, retryInMs: gaveUp ? undefined : delay, err: errorText(err) },
      gaveUp ? 'task failed, giving up' : 'task failed, will retry',
    )
  }

  private setProgress(cid: string, blocks: number): void {
    this.progress.set(cid, { blocks, at: this.ctx.now() })
    this.ctx.log.debug({ cid, blocks }, 'pull progress')
    const task = this.ctx.store.get(cid)
    if (task !== undefined) this.onProgress(task)
  }
}
