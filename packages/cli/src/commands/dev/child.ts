/**
 * One `crust` child process of the dev network: its output goes to a log file in its data folder,
 * and it is ready when it sends `{type: 'ready', endpoints}` over IPC.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError } from '../../errors.js'
import { childHeapFlags } from './child-heap.js'

const CLI_BIN = fileURLToPath(new URL('../../bin.js', import.meta.url))

export interface ChildSpec {
  name: string
  dir: string
  args: string[]
  /** A command the node runs under (`ip netns exec <ns>`: its own network namespace); none by default. */
  prefix?: string[]
  /** Where its output goes; `node.log` in `dir` by default. */
  logFile?: string
}

export class DevChild<E> {
  private child: ChildProcess | undefined
  private stopping = false
  readonly logFile: string

  constructor(
    readonly spec: ChildSpec,
    private readonly onExit: (child: { spec: ChildSpec; logFile: string }, how: string) => void,
  ) {
    this.logFile = spec.logFile ?? join(spec.dir, 'node.log')
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  /** Starts the process and resolves with the endpoints it reports, or fails with its last log lines. */
  start(timeoutMs = 120_000): Promise<E> {
    mkdirSync(this.spec.dir, { recursive: true })
    // The exact command, so an operator (or a test) can restart one node by hand.
    const prefix = this.spec.prefix ?? []
    const nodeFlags = childHeapFlags()
    writeFileSync(join(this.spec.dir, 'command.json'), `${JSON.stringify({ prefix, nodeFlags, bin: CLI_BIN, args: this.spec.args }, null, 2)}\n`)
    const log = createWriteStream(this.logFile, { flags: 'a' })
    // The log is in the node's data folder: a full disk there (a chaos run fills one) fails its
    // writes. Said once on the supervisor's stderr; the node runs on, its output no longer kept
    // (an unheard 'error' here ended the supervisor, and every node with it).
    log.on('error', (err) => {
      process.stderr.write(
        `${JSON.stringify({ level: 40, time: Date.now(), node: this.spec.name, log: this.logFile, msg: `log not written: ${err.message}` })}\n`,
      )
    })
    // `ip netns exec` execs the command, so the child's pid and IPC channel are the node's own.
    const [command, ...rest] = [...prefix, process.execPath, ...nodeFlags, CLI_BIN, ...this.spec.args] as [string, ...string[]]
    const child = spawn(command, rest, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, CRUST_LOG: process.env.CRUST_LOG ?? 'info' },
    })
    this.child = child
    this.stopping = false
    const tail: string[] = []
    const keep = (d: Buffer) => {
      tail.push(d.toString())
      if (tail.length > 20) tail.shift()
    }
    child.stdout!.on('data', keep).pipe(log)
    child.stderr!.on('data', keep).pipe(log)
    return new Promise<E>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new CliError('CLI_ERROR_DEV_START', `${this.spec.name} did not start within ${timeoutMs / 1000} s; see ${this.logFile}`))
      }, timeoutMs)
      let ready = false
      child.on('message', (m: { type?: string; endpoints?: E }) => {
        if (m.type !== 'ready' || ready) return
        ready = true
        clearTimeout(timer)
        resolve(m.endpoints as E)
      })
      // 'close' comes after the output is drained, so its last error line is in `tail`.
      child.once('close', (code, signal) => {
        clearTimeout(timer)
        const how = signal ?? `code ${code}`
        if (!ready) {
          // The child's own one-line error says what to do; otherwise point at its log.
          const reason = tail
            .join('')
            .split('\n')
            .reverse()
            .find((l) => l.startsWith('error: '))
          const why = reason === undefined ? `exited (${how}) while starting` : `could not start: ${reason.slice('error: '.length)}`
          reject(new CliError('CLI_ERROR_DEV_START', `${this.spec.name} ${why}; see ${this.logFile}`))
        } else if (!this.stopping) this.onExit(this, how)
      })
    })
  }

  /** Whether the process runs (started and not exited). */
  get running(): boolean {
    const child = this.child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Sends a signal without waiting (a fault: SIGKILL leaves no chance to clean up); resolves once it exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child
    if (child === undefined || !this.running) return
    this.stopping = true
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    await exited
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    this.stopping = true
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }
}
