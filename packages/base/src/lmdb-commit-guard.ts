/**
 * lmdb-js reports a failed commit (a full disk, an I/O error) twice: each write of the batch
 * rejects with "Commit failed" (its callers handle that: the stores turn it into their own error),
 * and two promises of lmdb's own, which nobody can hold, reject as well (the batch's commit promise,
 * and the `commitError` every such error points to). Left alone, those two end the process as
 * unhandled rejections: a storage node whose disk filled up crashed on its next write. This guard
 * lets rejections raised inside lmdb's write path pass (logged once each); every other unhandled
 * rejection still ends the process, as Node.js's default does.
 */

/** Whether an unhandled rejection's reason was raised inside lmdb-js's write path (its own promises of a failed commit). */
export function isLmdbCommitFailure(reason: unknown): boolean {
  if (!(reason instanceof Error) || typeof reason.stack !== 'string') return false
  // The first frame below the message: where the error was made.
  const frame = reason.stack.split('\n').find((line) => line.trimStart().startsWith('at '))
  return frame !== undefined && /[/\\]lmdb[/\\]write\.js:\d+:\d+\)?$/.test(frame.trim())
}

/** Installs the guard; `warn` hears of each failure it let pass. */
export function guardLmdbCommitFailures(warn: (message: string) => void): void {
  process.on('unhandledRejection', (reason) => {
    if (isLmdbCommitFailure(reason)) {
      warn(`a database commit failed (${(reason as Error).message}); the writes it held were refused`)
      return
    }
    // As Node.js's default: an unhandled rejection ends the process.
    throw reason
  })
}
