/**
 * Starts `crust testnet` (every node in its own network namespace; needs root) as a real child
 * process, reads its network.json and drives its control API: cut and heal hosts' links, kill and
 * restart their processes.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { alive } from './dev-process.js'
import { processDiagnosis } from './process-diagnosis.js'
import { CLI_BIN } from './node-process.js'

export interface TestnetHost {
  name: string
  ns: string
  address: string
  pid: number
  running: boolean
  cut: boolean
}

export interface TestnetValidator extends TestnetHost {
  /** Its JSON-RPC, reachable from the root namespace. */
  rpc: string
  p2p: string[]
}

export interface TestnetStorageNode extends TestnetHost {
  accountUri: string
  account: string
  dir: string
  /** Set when its data folder is a small file system of its own (`--small-disk`). */
  diskBytes?: number
  chainRpc: string
  ipfsApi: string
  gateway: string
  sworkerApi: string
  smanagerApi: string
  metrics: string
  multiaddrs: string[]
}

/** network.json of `crust testnet`. */
export interface TestnetInfo {
  chainRpc: string
  bootnodes: string[]
  control: string
  seed: number
  faults: { latencyMs: number; jitterMs: number; loss: number; mbit?: number; by: 'netem' | 'proxy' }
  bridge: string
  namespaces: string[]
  validators: TestnetValidator[]
  storageNodes: TestnetStorageNode[]
  gateway?: TestnetHost & { gateway: string; psa: string; serviceAccount: string }
}

export interface TestnetProcess {
  child: ChildProcess
  info: TestnetInfo
  logs: string[]
  exited: Promise<number | string>
  /** POSTs to the control API (`/cut`, `/heal`, `/kill`, `/restart`, `/faults`); rejects with its error body unless 200. */
  control(path: string, body: Record<string, unknown>): Promise<void>
  /** The network as it is now (pids change with restarts). */
  network(): Promise<TestnetInfo>
  /** SIGTERM, then SIGKILL of everything left if it has not exited within 120 s. */
  stop(): Promise<void>
  /** Where the launcher was stuck when `stop()` had to kill it (one line per thread; empty if it exited). */
  stuck: string[]
}

/** How long `stop()` waits for the launcher's own teardown (nodes get 15 s each, two rounds) before SIGKILL. */
const STOP_GRACE_MS = 120_000

export async function startTestnet(basePath: string, args: string[], timeoutMs = 300_000): Promise<TestnetProcess> {
  const child = spawn(process.execPath, [CLI_BIN, 'testnet', '--base-path', basePath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const logs: string[] = []
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const lines = createInterface({ input: child.stdout! })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crust testnet did not get ready within ${timeoutMs} ms:\n${logs.join('\n')}`)), timeoutMs)
    lines.on('line', (line) => {
      logs.push(line)
      if (line.includes('"testnet ready"')) {
        clearTimeout(timer)
        resolve()
      }
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`crust testnet exited (${code}) before it was ready:\n${logs.join('\n')}`))
    })
  })
  const info = JSON.parse(readFileSync(join(basePath, 'network.json'), 'utf8')) as TestnetInfo
  const call = async (path: string, init?: RequestInit): Promise<unknown> => {
    const res = await fetch(`${info.control}${path}`, init)
    const body = (await res.json()) as unknown
    if (res.status !== 200) throw new Error(`testnet control ${path}: ${res.status} ${JSON.stringify(body)}`)
    return body
  }
  const net: TestnetProcess = {
    child,
    info,
    logs,
    exited,
    stuck: [],
    async control(path, body) {
      await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    },
    async network() {
      return (await call('/network')) as TestnetInfo
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => {
        if (child.pid !== undefined) net.stuck.push(...processDiagnosis(child.pid))
        child.kill('SIGKILL')
        for (const h of [...info.validators, ...info.storageNodes]) if (alive(h.pid)) process.kill(h.pid, 'SIGKILL')
      }, STOP_GRACE_MS)
      await exited
      clearTimeout(timer)
    },
  }
  return net
}
