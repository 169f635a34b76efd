/**
 * The cost of the content root in `crust upload` (issue #18): the sdk's `addToIpfs` (what `crust
 * upload` runs before ordering) of a file of random bytes to a real `crust ipfs daemon` child
 * process, without the root (`contentRoot: false`) and with it (the file's chunks teed into the
 * storageProof root as they are sent, on a worker thread or on the upload's own thread; only the
 * DAG's inner blocks are read back), in the same run: the way this machine hashes by default (by its
 * cores: `hashesOnWorker`) and the other way, so the default is checked against its alternative.
 * Each add gets a fresh file (no block is already in the repo); the three rotate which goes first.
 * Throughput counts the file's bytes; the ratio is with ÷ without within a round, and the median
 * round is reported with the spread (target >= 0.9). The
 * read-back root alone (`dagContentRoot` of a DAG just added: the fallback for folders and for DAGs
 * laid out otherwise, and the pinning service's path) is reported too.
 *
 * The daemon's CPU is read from /proc, so the bench also prints the ratio a CPU-bound add could
 * reach at best. `--separate-cores` pins the client to core 0 and the daemon to core 1 (taskset):
 * the IPFS node's CPU is then not the client's, as when uploading to a gateway or another machine.
 *
 *   npx node bench/dist/upload-root.js [--size 256] [--rounds 3] [--separate-cores]   (MiB; in `npm run bench`: BENCH_UPLOAD_MIB)
 */
import { randomFillSync } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const MiB = 1024 * 1024

/** The parts of the sdk and testkit the bench uses, loaded from their builds (bench/ builds before them). */
interface Sdk {
  addToIpfs(
    path: string,
    options: { ipfsApi: string; contentRoot: boolean; contentRootHashing?: Hashing },
  ): Promise<{ cid: string; contentRoot?: { root: string; size: number } }>
  hashesOnWorker(bytes: number): boolean
  dagContentRoot(params: { cid: string; ipfsApi: string }): Promise<{ root: string; size: number }>
}
interface Testkit {
  startIpfsProcess(
    repo: string,
    extraArgs?: string[],
  ): Promise<{ child: { pid?: number; kill(signal: string): boolean }; exited: Promise<unknown>; api: string }>
}

type Hashing = 'inline' | 'worker'

export interface UploadRootRound {
  withoutMiBs: number
  /** With the root hashed the default way on this machine (`hashesOnWorker`: the worker, or the upload's thread on fewer than 3 cores). */
  withMiBs: number
  /** CPU seconds this process (the client: its main thread and the hashing worker) spent on the add without and with the root. */
  withoutCpuS: number
  withCpuS: number
  /** CPU seconds the IPFS daemon spent on the add without the root (absolute). */
  daemonCpuS: number
  /**
   * The ratio the add could reach if it were bound by CPU alone (client and daemon sharing the
   * cores, as on this machine): (client + daemon without) ÷ (client + daemon without + the root's
   * client CPU). Above it no hashing schedule can go; the measured ratio is compared to it.
   */
  cpuBoundRatio: number
  /** with ÷ without. */
  ratio: number
  /** The other way of hashing, in the same round: MiB/s and its ratio to the add without. */
  otherMiBs: number
  otherRatio: number
  /** `dagContentRoot` alone over the DAG just added (MiB of file per second). */
  rootOnlyMiBs: number
}

export interface UploadRootBench {
  sizeMiB: number
  /** How this machine hashes by default, and the other way measured beside it. */
  hashing: Hashing
  other: Hashing
  rounds: UploadRootRound[]
  /** The round with the median ratio. */
  median: UploadRootRound
  /** The median of the other way's ratios. */
  otherMedianRatio: number
  /** Whether the client ran on core 0 and the daemon on core 1 (`--separate-cores`): the IPFS node's CPU is then not the client's, as with a gateway or a node on another machine. */
  separateCores: boolean
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces), counted from the state field (3rd).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}
const CLOCK_TICKS = 100

/** Pins every thread of `pid` to `cpu` (util-linux taskset). */
function pinTo(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' })
}

function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w')
  const chunk = new Uint8Array(MiB)
  for (let done = 0; done < size; done += MiB) writeSync(fd, randomFillSync(chunk), 0, Math.min(MiB, size - done))
  closeSync(fd)
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}

export async function runUploadRootBench(params: { sizeMiB?: number; rounds?: number; separateCores?: boolean } = {}): Promise<UploadRootBench> {
  const sizeMiB = params.sizeMiB ?? 256
  const rounds = Math.max(3, params.rounds ?? 3)
  const size = Math.round(sizeMiB * MiB)
  const sdk = (await import(new URL('../../packages/sdk/dist/src/index.js', import.meta.url).href)) as Sdk
  const kit = (await import(new URL('../../packages/testkit/dist/src/index.js', import.meta.url).href)) as Testkit
  const dir = mkdtempSync(join(tmpdir(), 'crust-upload-root-bench-'))
  const ipfs = await kit.startIpfsProcess(join(dir, 'repo'))
  const daemonPid = ipfs.child.pid
  if (daemonPid === undefined) throw new Error('the IPFS daemon has no pid')
  const separateCores = params.separateCores === true
  if (separateCores) {
    pinTo(process.pid, 0)
    pinTo(daemonPid, 1)
  }
  try {
    const hashing: Hashing = sdk.hashesOnWorker(size) ? 'worker' : 'inline'
    const other: Hashing = hashing === 'worker' ? 'inline' : 'worker'
    const results: UploadRootRound[] = []
    for (let r = 0; r < rounds; r++) {
      const timed = async (way: Hashing | undefined) => {
        const file = join(dir, `file-${r}-${way ?? 'none'}`)
        writeRandomFile(file, size)
        let cid = ''
        const cpu = process.cpuUsage()
        const daemonCpu = processCpuS(daemonPid)
        const s = await seconds(async () => {
          const added = await sdk.addToIpfs(file, {
            ipfsApi: ipfs.api,
            contentRoot: way !== undefined,
            ...(way === undefined ? {} : { contentRootHashing: way }),
          })
          if (way !== undefined && added.contentRoot === undefined) throw new Error('the add gave no content root')
          cid = added.cid
        })
        const used = process.cpuUsage(cpu)
        const daemonCpuS = processCpuS(daemonPid) - daemonCpu
        rmSync(file)
        return { s, cid, cpuS: (used.user + used.system) / 1e6, daemonCpuS }
      }
      // Rotate which goes first, so none always meets the fuller repo.
      const order: Array<Hashing | undefined> = [undefined, hashing, other]
      for (let k = 0; k < r % 3; k++) order.push(order.shift())
      const got = new Map<Hashing | 'none', Awaited<ReturnType<typeof timed>>>()
      for (const way of order) got.set(way ?? 'none', await timed(way))
      const without = got.get('none')!
      const withRoot = got.get(hashing)!
      const otherWay = got.get(other)!
      const rootOnly = await seconds(() => sdk.dagContentRoot({ cid: without.cid, ipfsApi: ipfs.api }))
      const withoutMiBs = sizeMiB / without.s
      results.push({
        withoutMiBs: Number(withoutMiBs.toFixed(1)),
        withMiBs: Number((sizeMiB / withRoot.s).toFixed(1)),
        withoutCpuS: Number(without.cpuS.toFixed(2)),
        withCpuS: Number(withRoot.cpuS.toFixed(2)),
        daemonCpuS: Number(without.daemonCpuS.toFixed(2)),
        cpuBoundRatio: Number(((without.cpuS + without.daemonCpuS) / (withRoot.cpuS + without.daemonCpuS)).toFixed(3)),
        ratio: Number((without.s / withRoot.s).toFixed(3)),
        otherMiBs: Number((sizeMiB / otherWay.s).toFixed(1)),
        otherRatio: Number((without.s / otherWay.s).toFixed(3)),
        rootOnlyMiBs: Number((sizeMiB / rootOnly).toFixed(1)),
      })
    }
    const sorted = [...results].sort((a, b) => a.ratio - b.ratio)
    const others = results.map((x) => x.otherRatio).sort((a, b) => a - b)
    const mid = Math.floor((results.length - 1) / 2)
    return { sizeMiB, hashing, other, rounds: results, median: sorted[mid]!, otherMedianRatio: others[mid]!, separateCores }
  } finally {
    ipfs.child.kill('SIGTERM')
    await ipfs.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

export function formatUploadRootBench(b: UploadRootBench): string {
  const m = b.median
  return [
    `sdk: crust upload's add of a ${b.sizeMiB} MiB file to a crust ipfs daemon${b.separateCores ? ' (client on core 0, daemon on core 1)' : ''}, median of ${b.rounds.length}: with the content root (hashed ${b.hashing === 'worker' ? 'on a worker' : "on the upload's thread"}, this machine's default) ${m.withMiBs} MiB/s, ` +
      `without ${m.withoutMiBs} MiB/s; ratio ${(100 * m.ratio).toFixed(1)} % (target >= 90 %); the read-back root alone (dagContentRoot) ${m.rootOnlyMiBs} MiB/s`,
    `  the other way (${b.other === 'worker' ? 'on a worker' : "on the upload's thread"}), same rounds: median ratio ${(100 * b.otherMedianRatio).toFixed(1)} %; rounds ${b.rounds.map((x) => `${(100 * x.otherRatio).toFixed(1)} %`).join(', ')}`,
    `  CPU per add (absolute; median round): client ${m.withCpuS} s with the root, ${m.withoutCpuS} s without; daemon ${m.daemonCpuS} s. ` +
      `If CPU alone bound the add, the ratio could reach ${(100 * m.cpuBoundRatio).toFixed(1)} % ((client + daemon) ÷ (that + the root's CPU))`,
    `  rounds (with/without MiB/s, ratio): ${b.rounds.map((x) => `${x.withMiBs}/${x.withoutMiBs} ${(100 * x.ratio).toFixed(1)} %`).join('; ')}; ` +
      `ratio spread ${(100 * Math.min(...b.rounds.map((x) => x.ratio))).toFixed(1)}–${(100 * Math.max(...b.rounds.map((x) => x.ratio))).toFixed(1)} %`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' }, 'separate-cores': { type: 'boolean', default: false } },
  })
  const result = await runUploadRootBench({ sizeMiB: Number(values.size), rounds: Number(values.rounds), separateCores: values['separate-cores'] })
  console.log(formatUploadRootBench(result))
  console.log(JSON.stringify(result))
}
