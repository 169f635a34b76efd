/**
 * The cost of the content root in `crust upload` (issue #18): the sdk's `addToIpfs` (what `crust
 * upload` runs before ordering) of a file of random bytes to a real `crust ipfs daemon` child
 * process, without the root (`contentRoot: false`) and with it (the file's chunks teed into a
 * worker thread that hashes them into the storageProof root as they are sent; only the DAG's inner
 * blocks are read back), in the same run. Each add gets a fresh file (no block is already in the
 * repo); the two alternate which goes first. Throughput counts the file's bytes; the ratio is with
 * ÷ without within a round, and the median round is reported with the spread (target >= 0.9). The
 * read-back root alone (`dagContentRoot` of a DAG just added: the fallback for folders and for DAGs
 * laid out otherwise, and the pinning service's path) is reported too.
 *
 *   npx node bench/dist/upload-root.js [--size 256] [--rounds 3]   (MiB; in `npm run bench`: BENCH_UPLOAD_MIB)
 */
import { randomFillSync } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const MiB = 1024 * 1024

/** The parts of the sdk and testkit the bench uses, loaded from their builds (bench/ builds before them). */
interface Sdk {
  addToIpfs(path: string, options: { ipfsApi: string; contentRoot: boolean }): Promise<{ cid: string; contentRoot?: { root: string; size: number } }>
  dagContentRoot(params: { cid: string; ipfsApi: string }): Promise<{ root: string; size: number }>
}
interface Testkit {
  startIpfsProcess(repo: string, extraArgs?: string[]): Promise<{ child: { kill(signal: string): boolean }; exited: Promise<unknown>; api: string }>
}

export interface UploadRootRound {
  withoutMiBs: number
  withMiBs: number
  /** CPU seconds this process (the client: its main thread and the hashing worker) spent on the add without and with the root. */
  withoutCpuS: number
  withCpuS: number
  /** with ÷ without. */
  ratio: number
  /** `dagContentRoot` alone over the DAG just added (MiB of file per second). */
  rootOnlyMiBs: number
}

export interface UploadRootBench {
  sizeMiB: number
  rounds: UploadRootRound[]
  /** The round with the median ratio. */
  median: UploadRootRound
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

export async function runUploadRootBench(params: { sizeMiB?: number; rounds?: number } = {}): Promise<UploadRootBench> {
  const sizeMiB = params.sizeMiB ?? 256
  const rounds = Math.max(3, params.rounds ?? 3)
  const size = Math.round(sizeMiB * MiB)
  const sdk = (await import(new URL('../../packages/sdk/dist/src/index.js', import.meta.url).href)) as Sdk
  const kit = (await import(new URL('../../packages/testkit/dist/src/index.js', import.meta.url).href)) as Testkit
  const dir = mkdtempSync(join(tmpdir(), 'crust-upload-root-bench-'))
  const ipfs = await kit.startIpfsProcess(join(dir, 'repo'))
  try {
    const results: UploadRootRound[] = []
    for (let r = 0; r < rounds; r++) {
      const timed = async (contentRoot: boolean) => {
        const file = join(dir, `file-${r}-${contentRoot}`)
        writeRandomFile(file, size)
        let cid = ''
        const cpu = process.cpuUsage()
        const s = await seconds(async () => {
          const added = await sdk.addToIpfs(file, { ipfsApi: ipfs.api, contentRoot })
          if (contentRoot && added.contentRoot === undefined) throw new Error('the add gave no content root')
          cid = added.cid
        })
        const used = process.cpuUsage(cpu)
        rmSync(file)
        return { s, cid, cpuS: (used.user + used.system) / 1e6 }
      }
      // Alternate which goes first, so neither always meets the fuller repo.
      const without = r % 2 === 0 ? await timed(false) : undefined
      const withRoot = await timed(true)
      const last = without ?? (await timed(false))
      const rootOnly = await seconds(() => sdk.dagContentRoot({ cid: last.cid, ipfsApi: ipfs.api }))
      const withoutMiBs = sizeMiB / last.s
      const withMiBs = sizeMiB / withRoot.s
      results.push({
        withoutMiBs: Number(withoutMiBs.toFixed(1)),
        withMiBs: Number(withMiBs.toFixed(1)),
        withoutCpuS: Number(last.cpuS.toFixed(2)),
        withCpuS: Number(withRoot.cpuS.toFixed(2)),
        ratio: Number((withMiBs / withoutMiBs).toFixed(3)),
        rootOnlyMiBs: Number((sizeMiB / rootOnly).toFixed(1)),
      })
    }
    const sorted = [...results].sort((a, b) => a.ratio - b.ratio)
    return { sizeMiB, rounds: results, median: sorted[Math.floor((sorted.length - 1) / 2)]! }
  } finally {
    ipfs.child.kill('SIGTERM')
    await ipfs.exited
    rmSync(dir, { recursive: true, force: true })
  }
}

export function formatUploadRootBench(b: UploadRootBench): string {
  const m = b.median
  return [
    `sdk: crust upload's add of a ${b.sizeMiB} MiB file to a crust ipfs daemon, median of ${b.rounds.length}: with the content root ${m.withMiBs} MiB/s, ` +
      `without ${m.withoutMiBs} MiB/s; ratio ${(100 * m.ratio).toFixed(1)} % (target >= 90 %); the read-back root alone (dagContentRoot) ${m.rootOnlyMiBs} MiB/s`,
    `  client CPU per add (absolute; median round): ${m.withCpuS} s with the root, ${m.withoutCpuS} s without`,
    `  rounds (with/without MiB/s, ratio): ${b.rounds.map((x) => `${x.withMiBs}/${x.withoutMiBs} ${(100 * x.ratio).toFixed(1)} %`).join('; ')}; ` +
      `ratio spread ${(100 * Math.min(...b.rounds.map((x) => x.ratio))).toFixed(1)}–${(100 * Math.max(...b.rounds.map((x) => x.ratio))).toFixed(1)} %`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } } })
  const result = await runUploadRootBench({ sizeMiB: Number(values.size), rounds: Number(values.rounds) })
  console.log(formatUploadRootBench(result))
  console.log(JSON.stringify(result))
}
