/** Errors of the sManager: one class, stable `SMANAGER_ERROR_*` codes. */
import { CrustError } from '@crust-ts/base'

export const SmanagerErrorCode = {
  /** The IPFS node sent no new block count for `pullIdleTimeoutMs` while pinning. */
  PULL_IDLE_TIMEOUT: 'SMANAGER_ERROR_PULL_IDLE_TIMEOUT',
  /** `pin/add` answered with an error or ended without its `{Pins}` line. */
  PULL_FAILED: 'SMANAGER_ERROR_PULL_FAILED',
  /** `pin/rm` failed for another reason than "not pinned". */
  UNPIN_FAILED: 'SMANAGER_ERROR_UNPIN_FAILED',
  /** The sWorker could not be reached or answered with an unexpected status. */
  SWORKER_REQUEST_FAILED: 'SMANAGER_ERROR_SWORKER_REQUEST_FAILED',
  /** The sWorker refused the sManager's API token (401), or its token file cannot be read. */
  SWORKER_UNAUTHORIZED: 'SMANAGER_ERROR_SWORKER_UNAUTHORIZED',
  /** Sealing ended without a valid file (the record vanished or became `lost`). */
  SEAL_FAILED: 'SMANAGER_ERROR_SEAL_FAILED',
  /** Sealing made no progress for `sealIdleTimeoutMs`. */
  SEAL_STALLED: 'SMANAGER_ERROR_SEAL_STALLED',
  /** `market.calculateReward` was refused (at submission or dispatch). */
  SETTLE_FAILED: 'SMANAGER_ERROR_SETTLE_FAILED',
  /** A challenges call (answer, root, declaration) was refused by the pool or could not be sent. */
  CHALLENGE_TX_FAILED: 'SMANAGER_ERROR_CHALLENGE_TX_FAILED',
  /** The sWorker could not prove a challenged segment (the file is not there, or its data is damaged). */
  PROOF_FAILED: 'SMANAGER_ERROR_PROOF_FAILED',
  /** The work was cancelled (the task was closed or the sManager stopped). */
  ABORTED: 'SMANAGER_ERROR_ABORTED',
  /** No task is stored for the CID. */
  TASK_NOT_FOUND: 'SMANAGER_ERROR_TASK_NOT_FOUND',
  /** A configuration value is out of range. */
  INVALID_CONFIG: 'SMANAGER_ERROR_INVALID_CONFIG',
} as const
export type SmanagerErrorCode = (typeof SmanagerErrorCode)[keyof typeof SmanagerErrorCode]

/** Thrown by the sManager's clients and pipeline; `code` is one of {@link SmanagerErrorCode}. */
export class SmanagerError extends CrustError {
  declare readonly code: SmanagerErrorCode

  constructor(code: SmanagerErrorCode, message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, meta, options)
  }
}

/** The message of anything thrown, for a task's `lastError`. */
export function errorText(err: unknown): string {
  if (err instanceof CrustError) return `${err.code}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}
