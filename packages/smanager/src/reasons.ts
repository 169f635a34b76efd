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
  /** This node's content root was submitted for a file ordered without one. */
  rootSubmitted: 'rootSubmitted',
  /** The file's root was fixed already (by its order or by two holders): nothing to submit. */
  rootFixed: 'rootFixed',
  /** The chain refused this node's root (e.g. `WrongRoot` removed the replica). */
  rootRefused: 'rootRefused',
  /** The sWorker lost the file; this node declared it on chain before being challenged on it. */
  declaredLost: 'declaredLost',
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
