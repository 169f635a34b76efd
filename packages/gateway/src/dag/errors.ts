import { CrustError } from '@crust-ts/base'

export const DagFetchErrorCode = {
  /** The DAG's blocks add up to more than the fetch budget. */
  BUDGET_EXCEEDED: 'DAG_ERROR_BUDGET_EXCEEDED',
  /** More blocks than the walk may hold. */
  TOO_MANY_BLOCKS: 'DAG_ERROR_TOO_MANY_BLOCKS',
  /** A dag-pb link's Tsize differs from the real size of the DAG below it. */
  TSIZE_MISMATCH: 'DAG_ERROR_TSIZE_MISMATCH',
  /** A block of a codec whose links the walk cannot read. */
  UNSUPPORTED_CODEC: 'DAG_ERROR_UNSUPPORTED_CODEC',
  /** A block could not be fetched (not found in time, node error) or the deadline passed. */
  FETCH_FAILED: 'DAG_ERROR_FETCH_FAILED',
} as const
export type DagFetchErrorCode = (typeof DagFetchErrorCode)[keyof typeof DagFetchErrorCode]

/** Codes that fetching again cannot cure (the DAG itself is refused). */
export const PERMANENT_DAG_ERRORS: ReadonlySet<DagFetchErrorCode> = new Set([
  DagFetchErrorCode.BUDGET_EXCEEDED,
  DagFetchErrorCode.TOO_MANY_BLOCKS,
  DagFetchErrorCode.TSIZE_MISMATCH,
  DagFetchErrorCode.UNSUPPORTED_CODEC,
])

/** Thrown by {@link fetchDag} when a DAG is refused or cannot be fetched. */
export class DagFetchError extends CrustError {
  declare readonly code: DagFetchErrorCode
  constructor(code: DagFetchErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }

  /** False when trying again cannot help (budget, Tsize, codec). */
  get retryable(): boolean {
    return !PERMANENT_DAG_ERRORS.has(this.code)
  }
}
