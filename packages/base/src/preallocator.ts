/**
 * `fallocate --keep-size` run by one long-lived shell per process (shared by its disk reserves), instead of a process spawned
 * by Node for each top-up. Node's spawn forks this (large) process and waits, on the event loop,
 * until the child has exec'd: 70–440 ms per spawn on a loaded 2-core machine, an event-loop stall
 * at every top-up of a store being written fast. The shell forks `fallocate` itself; this process
 * only writes a line to a pipe and reads the answer.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'

/** Reads a length and a file name per request, answers `0` (done) or `1` (failed) per line. */
const LOOP =
  'while IFS= read -r len && IFS= read -r file; do if fallocate --keep-size --length "$len" -- "$file" 2>/dev/null; then echo 0; else echo 1; fi; done'

interface Shell {
  child: ChildProcess
  /** The requests sent and not answered yet, oldest first (answers come in order). */
  waiting: Array<(ok: boolean) => void>
  buffered: string
}

export class Preallocator {
  private static process: Preallocator | undefined
  private shell: Shell | undefined
  private closed = false
  /** Shells started (one unless a shell died). */
  starts = 0

  /**
   * The process's own: every disk reserve of the process shares one shell, started at the first
   * top-up. A shell per reserve was a spawn (an event-loop stall) per store: a node opens five,
   * and each store's first burst of writes paid for its own.
   */
  static shared(): Preallocator {
    Preallocator.process ??= new Preallocator()
    return Preallocator.process
  }

  /** Allocates `length` bytes of `file` from its start, keeping its size; `done(true)` once allocated. */
  allocate(file: string, length: number, done: (ok: boolean) => void): void {
    // a name the line protocol cannot carry goes the slow way
    if (this.closed || file.includes('\n')) {
      execFile('fallocate', ['--keep-size', '--length', String(length), file], (err) => done(err === null))
      return
    }
    const shell = this.shell ?? this.start()
    shell.waiting.push(done)
    shell.child.stdin!.write(`${length}\n${file}\n`)
  }

  /** Ends the shell; a later request runs `fallocate` on its own. */
  close(): void {
    this.closed = true
    this.shell?.child.stdin?.end()
    this.shell = undefined
  }

  private start(): Shell {
    this.starts++
    const child = spawn('sh', ['-c', LOOP], { stdio: ['pipe', 'pipe', 'ignore'] })
    const shell: Shell = { child, waiting: [], buffered: '' }
    this.shell = shell
    // never what keeps the process alive
    child.unref()
    ;(child.stdin as unknown as { unref?: () => void }).unref?.()
    ;(child.stdout as unknown as { unref?: () => void }).unref?.()
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (text: string) => {
      shell.buffered += text
      let at = shell.buffered.indexOf('\n')
      while (at >= 0) {
        const line = shell.buffered.slice(0, at)
        shell.buffered = shell.buffered.slice(at + 1)
        shell.waiting.shift()?.(line === '0')
        at = shell.buffered.indexOf('\n')
      }
    })
    // gone (no sh, killed): what it was asked fails, and the next request starts another
    const gone = (): void => {
      if (this.shell === shell) this.shell = undefined
      for (const done of shell.waiting.splice(0)) done(false)
    }
    child.once('exit', gone)
    child.once('error', gone)
    child.stdin!.on('error', gone)
    return shell
  }
}
