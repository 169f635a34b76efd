/**
 * The persistent task store: one LMDB environment in the sManager's data folder, one record per
 * CID. Every task is also kept in memory (the store is the sManager's working set), so reads are
 * synchronous; each change is written through and recorded in the task's history.
 */
import { DiskReserve, reserveWrites } from '@crust-ts/base'
import { open, type RootDatabase } from 'lmdb'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import { Bucket } from './buckets.js'
import type { Task, TaskHistoryEntry, TaskSource, TaskStatus } from './task.js'

export interface TaskStoreInit {
  /** Folder of the LMDB environment. */
  path: string
  /** History entries kept per task (oldest dropped first). */
  historyLimit: number
  /** Clock (ms since epoch); tests pass their own. */
  now?: () => number
}

/** What a transition changes besides status and reason. */
export type TaskPatch = Partial<Omit<Task, 'cid' | 'status' | 'reason' | 'history' | 'createdAt' | 'updatedAt'>>

export interface NewTask {
  cid: string
  size: number
  expiredAt: number
  replicas: number
  source: TaskSource
}

export class TaskStore {
  private readonly db: RootDatabase<unknown, Array<string | number>>
  private readonly tasks = new Map<string, Task>()
  private readonly now: () => number
  /** Called after every change of a task (the sManager turns it into an event). */
  onChange: ((task: Task) => void) | undefined

  private constructor(private readonly init: TaskStoreInit) {
    this.db = reserveWrites(open<unknown, Array<string | number>>({ path: init.path, encoding: 'json' }), DiskReserve.forLmdb(init.path))
    this.now = init.now ?? Date.now
    for (const { key, value } of this.db.getRange({ start: [Bucket.tasks], end: [Bucket.tasks + 1] })) {
      const task = value as Task
      this.tasks.set(String(key[1]), task)
    }
  }

  /** Opens (or creates) the store at `init.path` and loads every task. */
  static open(init: TaskStoreInit): TaskStore {
    return new TaskStore(init)
  }

  get size(): number {
    return this.tasks.size
  }

  get(cid: string): Task | undefined {
    return this.tasks.get(cid)
  }

  /** Every task (in insertion order of this process: loaded ones first). */
  all(): Task[] {
    return [...this.tasks.values()]
  }

  byStatus(...statuses: TaskStatus[]): Task[] {
    const want = new Set(statuses)
    return this.all().filter((t) => want.has(t.status))
  }

  /** Creates a task in status `new`; returns the existing one unchanged if the CID is known. */
  async create(fields: NewTask, reason: string, block?: number): Promise<{ task: Task; created: boolean }> {
    const existing = this.tasks.get(fields.cid)
    if (existing !== undefined) return { task: existing, created: false }
    const at = this.now()
    const entry: TaskHistoryEntry = block === undefined ? { at, status: 'new', reason } : { at, status: 'new', reason, block }
    const task: Task = { ...fields, status: 'new', reason, attempts: 0, nextAttemptAt: 0, createdAt: at, updatedAt: at, history: [entry] }
    await this.write(task)
    return { task, created: true }
  }

  /** Moves a task to `status` with `reason` (a history entry), applying `patch`. */
  async transition(cid: string, status: TaskStatus, reason: string, patch: TaskPatch = {}, block?: number): Promise<Task> {
    const task = this.require(cid)
    const at = this.now()
    const entry: TaskHistoryEntry = block === undefined ? { at, status, reason } : { at, status, reason, block }
    const history = [...task.history, entry].slice(-this.init.historyLimit)
    const next: Task = { ...task, ...patch, status, reason, updatedAt: at, history }
    await this.write(next)
    return next
  }

  /** Records `reason` in the history under the current status (an event that changes no status), applying `patch`. */
  async note(cid: string, reason: string, patch: TaskPatch = {}, block?: number): Promise<Task> {
    const task = this.require(cid)
    const at = this.now()
    const entry: TaskHistoryEntry = block === undefined ? { at, status: task.status, reason } : { at, status: task.status, reason, block }
    const history = [...task.history, entry].slice(-this.init.historyLimit)
    const next: Task = { ...task, ...patch, updatedAt: at, history }
    await this.write(next)
    return next
  }

  /** Changes fields without a transition (order data refreshed from the chain). */
  async update(cid: string, patch: TaskPatch): Promise<Task> {
    const task = this.require(cid)
    const next: Task = { ...task, ...patch, updatedAt: this.now() }
    await this.write(next)
    return next
  }

  getMeta<T>(name: string): T | undefined {
    return this.db.get([Bucket.meta, name]) as T | undefined
  }

  async putMeta(name: string, value: unknown): Promise<void> {
    await this.db.put([Bucket.meta, name], value)
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  private require(cid: string): Task {
    const task = this.tasks.get(cid)
    if (task === undefined) throw new SmanagerError(SmanagerErrorCode.TASK_NOT_FOUND, 'no task for this CID', { cid })
    return task
  }

  private async write(task: Task): Promise<void> {
    // drop undefined optionals so the JSON record and the in-memory one agree
    const clean = JSON.parse(JSON.stringify(task)) as Task
    this.tasks.set(task.cid, clean)
    const written = this.db.put([Bucket.tasks, task.cid], clean)
    this.onChange?.(clean)
    await written
  }
}
