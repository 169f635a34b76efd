/**
 * Two of a chaos run's process invariants: memory (resident set) of every process stays bounded,
 * and no process died of an uncaught exception or an unhandled rejection (read from its log).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A process's resident set in bytes, from /proc (undefined once it is gone). */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

export class RssWatch {
  /** Each process's samples, in time order. */
  readonly samples = new Map<string, Array<{ atMs: number; bytes: number }>>()

  observe(name: string, atMs: number, bytes: number): void {
    let list = this.samples.get(name)
    if (list === undefined) {
      list = []
      this.samples.set(name, list)
    }
    list.push({ atMs, bytes })
  }

  /** Each process's highest resident set. */
  peaks(): Record<string, number> {
    return Object.fromEntries([...this.samples].map(([name, list]) => [name, Math.max(...list.map((s) => s.bytes))]))
  }

  /** The processes whose resident set went above `limitBytes`, with their peak. */
  over(limitBytes: number): Array<{ name: string; peak: number }> {
    return Object.entries(this.peaks())
      .filter(([, peak]) => peak > limitBytes)
      .map(([name, peak]) => ({ name, peak }))
  }
}

/**
 * What Node.js writes when a process dies of an uncaught exception or an unhandled rejection (its
 * crash banner, `Node.js v24.x`, ends every such report), and the names such a crash goes by.
 */
const CRASH = [/^Node\.js v\d+\.\d+/, /\bUnhandledPromiseRejection\b/, /\buncaught ?exception\b/i, /\bunhandled ?rejection\b/i]

/** The lines of a log that tell of an uncaught exception or unhandled rejection. */
export function uncaughtIn(log: string): string[] {
  return log.split('\n').filter((line) => CRASH.some((re) => re.test(line)))
}

/** Every node's log in the testnet's folder: `<host>/node.log`, or `<host>.log` beside it for the small disk's node. */
export function nodeLogs(dir: string): Array<{ host: string; log: string }> {
  return readdirSync(dir)
    .map((entry) =>
      entry.endsWith('.log') ? { host: entry.slice(0, -'.log'.length), log: join(dir, entry) } : { host: entry, log: join(dir, entry, 'node.log') },
    )
    .filter(({ log }) => existsSync(log))
}
