/**
 * Where a process that does not exit is stuck, read from Linux's /proc before it is killed: its
 * state, and each thread's name, state, kernel wait channel and (as root) kernel stack. A hang seen
 * once in a CI run then names its cause in the test's failure instead of only "SIGKILL".
 */
import { readdirSync, readFileSync } from 'node:fs'

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** One line per thread of `pid` (empty when /proc cannot tell: not Linux, or the process is gone). */
export function processDiagnosis(pid: number): string[] {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  return tasks.map((tid) => {
    const dir = `/proc/${pid}/task/${tid}`
    const comm = read(`${dir}/comm`) ?? '?'
    // The state letter follows the parenthesised name in `stat` (R running, S sleeping, D disk wait, ...).
    const state =
      read(`${dir}/stat`)
        ?.replace(/^.*\) /, '')
        .split(' ')[0] ?? '?'
    const wchan = read(`${dir}/wchan`) ?? '?'
    const stack = read(`${dir}/stack`)
      ?.split('\n')
      .slice(0, 6)
      .map((l) => l.replace(/^\[<[0-9a-f]+>\] /, ''))
      .join(' < ')
    return `thread ${tid} ${comm} state ${state} wchan ${wchan}${stack === undefined || stack === '' ? '' : ` stack ${stack}`}`
  })
}
