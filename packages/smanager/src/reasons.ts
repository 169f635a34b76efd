/** Reasons recorded on transitions that are not filter verdicts. */
import { SmanagerError, SmanagerErrorCode } from './errors.js'

export const Reason = {
  orderPlaced: 'orderPlaced',
  foundInScan: 'foundInScan',
  reordered: 'reordered',
  renewed: 'renewed',
  picked: 'picked',
  retry: 'retry',
  pulled: 'pulled',
  sealed: 'sealed',
  /** The sWorker already had the file valid. */
  handled: 'handled',
  resumed: 'resumed',
  interrupted: 'interrupted',
  orderExpired: 'orderExpired',
  settled: 'settled',
  settleFailed: 'settleFailed',
  orderClosed: 'orderClosed',
  orderGone: 'orderGone',
  illegalFileClosed: 'illegalFileClosed',
} as const

/** The reason a task failed, from the error that failed it. */
export function failureReason(err: unknown): string {
  if (!(err instanceof SmanagerError)) return 'error'
  switch (err.code) {
    case SmanagerErrorCode.PULL_IDLE_TIMEOUT:
      return 'pullIdleTimeout'
    case SmanagerErrorCode.PULL_FAILED:
      return 'pullFailed'
    case SmanagerErrorCode.SEAL_STALLED:
      return 'sealStalled'
    case SmanagerErrorCode.SEAL_FAILED:
      return 'sealFailed'
    case SmanagerErrorCode.SWORKER_REQUEST_FAILED:
      return 'sworkerError'
    default:
      return 'error'
  }
}
