/**
 * Idle memory of `crust dev` (default network: one validator, three storage nodes, gateway, EVM
 * dev node and its order node): once every storage node has sent its first work report and no
 * upload runs, the resident set (VmRSS) of each process, sampled 3 times 5 s apart (median per
 * process). Absolute figures: RSS has no anchor to measure in the same run. Linux only (/proc).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const CLI_BIN = fileURLToPath(new URL('../../packages/cli/dist/src/bin.js', import.meta.url))
/** How long the storage nodes get to send their first work report (a dev report slot is 60 blocks of 1 s). */
const REPORT_DEADLINE_MS = 240_000
const SAMPLE_GAP_MS = 5_000

export interface IdleMemoryBench {
  rounds: number
  /** Median RSS and its anonymous part (MiB) per process, by name (`crust dev` itself is `dev`). */
  processes: Array<{ name: string; rssMiB: number; anonMiB: number }>
  /** The median of the storage nodes' medians (RSS). */
  storageNodeMiB: number
  totalMiB: number
  totalAnonMiB: number
}

/** VmRSS and RssAnon (MiB): RSS counts the node binary's pages in every process; the anonymous part is each one's own. */
function rssMiB(pid: number): { rss: number; anon: number } | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')
    const kib = (key: string) => Number(lines.find((l) => l.startsWith(key))?.split(/\s+/)[1] ?? Number.NaN)
    return { rss: kib('VmRSS:') / 1024, anon: kib('RssAnon:') / 1024 }
  } catch {
    return undefined // exited
  }
}

/** The direct children of `pid`, named by their crust subcommand and data folder (`node:node-a`). */
function children(pid: number): Array<{ pid: number; name: string }> {
  const ids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return ids.map((child) => {
    const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0')
    const script = argv.findIndex((a) => a.endsWith('bin.js'))
    const sub = argv[script + 1] ?? 'unknown'
    const at = argv.indexOf('--base-path')
    return { pid: child, name: at < 0 ? sub : `${sub}:${basename(argv[at + 1]!)}` }
  })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function startDev(base: string): Promise<ChildProcess> {
  const ports = ['--rpc-port', '--ipfs-api-port', '--gateway-port', '--w3auth-port', '--psa-port', '--console-port', '--evm-port', '--order-node-port']
  const child = spawn(process.execPath, [CLI_BIN, 'dev', '--base-path', base, ...ports.flatMap((p) => [p, '0'])], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"dev network ready"')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`crust dev exited (${code})`)))
  })
  return child
}

/** Polls each storage node's status until all have a last work report (sent or missed). */
async function waitReported(statusUrls: string[]): Promise<void> {
  const deadline = Date.now() + REPORT_DEADLINE_MS
  for (;;) {
    const reported = await Promise.all(
      statusUrls.map(async (url) => {
        const status = (await fetch(url).then((r) => r.json())) as { sworker?: { lastReport?: unknown } }
        return status.sworker?.lastReport !== undefined
      }),
    )
    if (reported.every(Boolean)) return
    if (Date.now() > deadline) throw new Error('the storage nodes sent no work report in time')
    await sleep(2_000)
  }
}

export async function runIdleMemoryBench(opts: { rounds?: number } = {}): Promise<IdleMemoryBench> {
  const rounds = opts.rounds ?? 3
  const base = mkdtempSync(join(tmpdir(), 'crust-ts-bench-idle-'))
  const dev = await startDev(join(base, 'dev'))
  try {
    const info = JSON.parse(readFileSync(join(base, 'dev', 'network.json'), 'utf8')) as { storageNodes: Array<{ status: string }> }
    await waitReported(info.storageNodes.map((n) => n.status))
    const procs = [{ pid: dev.pid!, name: 'dev' }, ...children(dev.pid!)]
    const samples = new Map<string, Array<{ rss: number; anon: number }>>(procs.map((p) => [p.name, []]))
    for (let round = 0; round < rounds; round++) {
      if (round > 0) await sleep(SAMPLE_GAP_MS)
      for (const p of procs) {
        const rss = rssMiB(p.pid)
        if (rss === undefined) throw new Error(`${p.name} exited while idle`)
        samples.get(p.name)!.push(rss)
      }
    }
    const processes = [...samples].map(([name, xs]) => ({ name, rssMiB: median(xs.map((x) => x.rss)), anonMiB: median(xs.map((x) => x.anon)) }))
    const storage = processes.filter((p) => p.name.startsWith('node:node-'))
    return {
      rounds,
      processes,
      storageNodeMiB: median(storage.map((p) => p.rssMiB)),
      totalMiB: processes.reduce((sum, p) => sum + p.rssMiB, 0),
      totalAnonMiB: processes.reduce((sum, p) => sum + p.anonMiB, 0),
    }
  } finally {
    dev.kill('SIGINT')
    await new Promise((r) => dev.once('exit', r))
    rmSync(base, { recursive: true, force: true })
  }
}

export function formatIdleMemoryBench(r: IdleMemoryBench): string {
  return [
    `idle memory of crust dev (absolute RSS, MiB; median of ${r.rounds} samples ${SAMPLE_GAP_MS / 1000} s apart, after every storage node's first work report):`,
    `  ${'process'.padEnd(22)} ${'RSS'.padStart(6)} ${'anon'.padStart(6)}`,
    ...r.processes.map((p) => `  ${p.name.padEnd(22)} ${p.rssMiB.toFixed(0).padStart(6)} ${p.anonMiB.toFixed(0).padStart(6)}`),
    `  one storage node (median of the nodes): ${r.storageNodeMiB.toFixed(0)} MiB; crust dev in all: ${r.totalMiB.toFixed(0)} MiB RSS, ${r.totalAnonMiB.toFixed(0)} MiB anonymous (not shared between processes)`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatIdleMemoryBench(await runIdleMemoryBench({ rounds: Number(process.env.BENCH_IDLE_ROUNDS ?? 3) })))
}
