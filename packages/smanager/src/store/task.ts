/** A storage order as the sManager tracks it. */

/**
 * Life of a task: `new` (waiting for a decision) → `skipped` (not for this node) | `pulling` (IPFS
 * fetches the DAG) → `sealing` (the sWorker seals it) → `sealed` → `expired` (order past its end,
 * settlement due) → `sealed` again when renewed, or `deleting` → `deleted` when the order closed.
 * `failed` tasks are retried with backoff.
 */
export type TaskStatus = 'new' | 'skipped' | 'pulling' | 'sealing' | 'sealed' | 'failed' | 'expired' | 'deleting' | 'deleted'

export const TASK_STATUSES: readonly TaskStatus[] = ['new', 'skipped', 'pulling', 'sealing', 'sealed', 'failed', 'expired', 'deleting', 'deleted']

/** Where the sManager learnt about the order: a `market.FileSuccess` event or the `filesV2` scan. */
export type TaskSource = 'chainEvent' | 'dbScan'

/** One transition, with the reason an operator reads. */
export interface TaskHistoryEntry {
  /** Wall-clock time (ms since epoch). */
  at: number
  status: TaskStatus
  reason: string
  /** Chain head when it happened, if known. */
  block?: number
}

export interface Task {
  cid: string
  /** Order size in bytes (`file_size`). */
  size: number
  /** Block at which the order ends (0: no replica yet, not started). */
  expiredAt: number
  /** Reported replicas of the order. */
  replicas: number
  source: TaskSource
  status: TaskStatus
  /** Reason of the last transition. */
  reason: string
  /** Pull attempts so far. */
  attempts: number
  /** Earliest time (ms since epoch) of the next attempt (retry of a failed task, re-decision of a deferred one). */
  nextAttemptAt: number
  lastError?: string | undefined
  /** The expiry (block) this node already settled with `calculateReward`. */
  settledExpiry?: number
  /** This node submitted its content root of the file (`challenges.submit_file_root`), or found one fixed. */
  rootSettled?: boolean
  /** This node declared the file lost (`challenges.declare_lost_files`). */
  declaredLost?: boolean
  createdAt: number
  updatedAt: number
  history: TaskHistoryEntry[]
}

/** A task as the query surface shows it: the stored record plus the live pull progress. */
export interface TaskView extends Task {
  progress?: { blocks: number; at: number }
}

/** Statuses in which this node holds (or is getting) the file: closing the order means deleting it. */
export const HOLDING_STATUSES: ReadonlySet<TaskStatus> = new Set(['pulling', 'sealing', 'sealed', 'expired', 'failed', 'deleting'])

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value)
}
