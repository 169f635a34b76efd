/** Restart: tasks a crash left `pulling`/`sealing` are checked against the sWorker and resumed or retried. */
import { errorText } from '../errors.js'
import { Reason } from '../reasons.js'
import type { ManagerContext } from './context.js'
import type { JobRunner } from './jobs.js'

export async function recoverTasks(ctx: ManagerContext, jobs: JobRunner): Promise<void> {
  const { store, log } = ctx
  for (const task of store.byStatus('pulling', 'sealing')) {
    let type: string | undefined
    try {
      type = (await ctx.sworker.fileInfo(task.cid))?.type
    } catch (err) {
      log.warn({ cid: task.cid, err: errorText(err) }, 'cannot ask the sWorker about an interrupted task')
    }
    if (type === 'valid') {
      await store.transition(task.cid, 'sealed', Reason.handled)
      log.info({ cid: task.cid, reason: Reason.handled }, 'interrupted task found sealed')
    } else if (type === 'pending') {
      await store.transition(task.cid, 'sealing', Reason.resumed)
      log.info({ cid: task.cid, reason: Reason.resumed }, 'following an interrupted seal')
      jobs.start(task.cid, 'track')
    } else {
      await store.transition(task.cid, 'failed', Reason.interrupted, { nextAttemptAt: 0 })
      log.info({ cid: task.cid, reason: Reason.interrupted }, 'interrupted task will be retried')
    }
  }
}
