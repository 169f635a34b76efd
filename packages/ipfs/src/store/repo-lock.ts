import fs from 'node:fs'
import path from 'node:path'
import { REPO_LOCK_FILE } from './constants.js'
import { RepoError, RepoErrorCode } from './errors.js'

/** A held repo lock; `release()` removes the lock file. */
export interface RepoLock {
  readonly path: string
  release(): void
}

/** Start time of process `pid` in clock ticks since boot (Linux `/proc`), or '' where unavailable. */
function startTime(pid: number | 'self'): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces; fields after its closing parenthesis are plain
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}

/** True if process `pid` runs and, when its start time was recorded, is the same process (no pid reuse). */
function isAlive(pid: number, recordedStart: string): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (recordedStart === '') return true
  const current = startTime(pid)
  return current === '' || current === recordedStart
}

/** Why the lock file could not be made, and what to do (a full disk is the usual cause after a crash). */
function lockFailure(repoPath: string, file: string, err: unknown): RepoError {
  const code = (err as NodeJS.ErrnoException).code
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `the disk holding ${repoPath} is full; free some space and start again`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `${file} cannot be written (${code}); check the folder's owner and permissions`
        : `${(err as Error).message ?? String(err)}`
  return new RepoError({ code: RepoErrorCode.OPEN_FAILED, path: repoPath }, `cannot create the repo lock: ${why}`, { cause: err })
}

/**
 * Takes the repo's lock: a file holding the owner's pid (and, on Linux, its start time, so a reused
 * pid is not mistaken for the owner), created exclusively. A lock left by a dead process (after
 * SIGKILL or a crash) is taken over; a lock held by a live process, including this one, fails with
 * {@link RepoError} `IPFS_ERROR_REPO_LOCKED`.
 */
export function acquireRepoLock(repoPath: string): RepoLock {
  const file = path.join(repoPath, REPO_LOCK_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644)
      try {
        fs.writeSync(fd, `${process.pid} ${startTime('self')}\n`)
      } catch (err) {
        // created but not written (a full disk): not left behind as a lock nobody holds
        fs.closeSync(fd)
        fs.rmSync(file, { force: true })
        throw lockFailure(repoPath, file, err)
      }
      fs.closeSync(fd)
      let released = false
      return {
        path: file,
        release: () => {
          if (released) return
          released = true
          fs.rmSync(file, { force: true })
        },
      }
    } catch (err) {
      if (err instanceof RepoError) throw err
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFailure(repoPath, file, err)
    }
    let pid = Number.NaN
    let recordedStart = ''
    try {
      const [pidText = '', start = ''] = fs.readFileSync(file, 'utf8').trim().split(' ')
      pid = Number.parseInt(pidText, 10)
      recordedStart = start
    } catch {
      // vanished or unreadable between open and read: treat as stale
    }
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid, recordedStart)) {
      throw new RepoError({ code: RepoErrorCode.LOCKED, path: repoPath, pid }, `the repo is in use by process ${pid}`)
    }
    fs.rmSync(file, { force: true })
  }
  throw new RepoError({ code: RepoErrorCode.LOCKED, path: repoPath, pid: 0 }, 'the repo lock keeps changing hands')
}
