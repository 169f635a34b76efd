/**
 * IPFS add/cat benchmark (not a test). Generates a file of random bytes (default 256 MiB), then in
 * one run measures:
 * - the anchor, this machine's limit for the same bytes: the slower of SHA-256 over the file
 *   (read + hash) and copying it to a new file with one fsync at the end (read + write + fsync);
 * - `add`: `node.fs.addByteStream` of the file (streamed from disk) with Kubo's default options into
 *   a fresh repo, until the blocks are committed, and until they are flushed to disk;
 * - `cat`: `node.fs.cat` of the resulting CID, every byte consumed;
 * and reports MB/s (10^6 bytes per second), ratios to the anchor and the peak memory of each phase.
 *
 * Run after building: `npx node packages/ipfs/dist/test/bench/add-cat.bench.js [--size 256MiB]
 * [--dir FOLDER] [--durability overlapping|sync] [--cid-version 0|1] [--rounds 3]`. `npm run bench` calls
 * {@link runAddCatBench}.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { arg, generate, MiB, measureAnchor, median, parseSize, readChunks, seconds } from './bench-util.js'
import { pathToFileURL } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { createIpfsNode, kuboAddOptions, type RepoDurability } from '../../src/index.js'

/** Options of {@link runAddCatBench}. */
export interface AddCatBenchOptions {
  /** Bytes to add; default 256 MiB. */
  size?: number
  /** Parent folder for the generated file and the repos (removed afterwards); default the OS temp folder. */
  dir?: string
  /** Repo durability mode; default `overlapping` (the node's default). */
  durability?: RepoDurability
  /** CID version of the add (1 implies raw leaves, as in Kubo); default 0. */
  cidVersion?: 0 | 1
  /**
   * Measurement rounds (anchor, add, cat each round, fresh repo each time); the report gives the
   * median of each figure, so a slow moment of a shared machine does not decide it. Default 3.
   */
  rounds?: number
}

/** Peak memory of one phase, in MiB. */
export interface PhaseMemory {
  /** Resident set (includes the LMDB file pages the process has mapped and touched). */
  rssMiB: number
  /** Anonymous resident memory (heap, buffers; excludes file pages), from /proc on Linux, else RSS. */
  anonMiB: number
  /** V8 heap plus memory held outside it by buffers (heapUsed + external). */
  jsMiB: number
}

/** One measured pipeline: medians over the rounds. */
export interface Rate {
  seconds: number
  mbPerSecond: number
  /** Median over rounds of (this round's MB/s ÷ this round's anchor). */
  ratio: number
}

/** Result of {@link runAddCatBench}. */
export interface AddCatBenchResult {
  sizeBytes: number
  cid: string
  durability: RepoDurability
  rounds: number
  anchor: { sha256MBs: number; writeFsyncMBs: number; limitMBs: number }
  /** Until `addByteStream` resolved (every block committed: survives a process crash). */
  add: Rate
  /** Until those blocks are also flushed to disk (fsync; survives a power loss). */
  addFlushed: Rate
  cat: Rate
  /** Peaks over all rounds. */
  memory: { baseline: PhaseMemory; add: PhaseMemory; cat: PhaseMemory }
}

/** V8's gc(), made callable without starting node with --expose-gc. */
const collectGarbage = ((): (() => void) => {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()

function anonymousRss(): number | undefined {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8')
    const match = /RssAnon:\s+(\d+) kB/.exec(status)
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

class MemorySampler {
  private peak: PhaseMemory = { rssMiB: 0, anonMiB: 0, jsMiB: 0 }
  private readonly timer: NodeJS.Timeout

  constructor() {
    this.sample()
    this.timer = setInterval(() => this.sample(), 10)
  }

  sample(): void {
    const m = process.memoryUsage()
    this.peak = {
      rssMiB: Math.max(this.peak.rssMiB, m.rss / MiB),
      anonMiB: Math.max(this.peak.anonMiB, (anonymousRss() ?? m.rss) / MiB),
      jsMiB: Math.max(this.peak.jsMiB, (m.heapUsed + m.external) / MiB),
    }
  }

  stop(): PhaseMemory {
    clearInterval(this.timer)
    this.sample()
    return this.peak
  }
}

function maxMemory(a: PhaseMemory, b: PhaseMemory): PhaseMemory {
  return { rssMiB: Math.max(a.rssMiB, b.rssMiB), anonMiB: Math.max(a.anonMiB, b.anonMiB), jsMiB: Math.max(a.jsMiB, b.jsMiB) }
}

interface Round {
  sha: number
  write: number
  add: number
  flushed: number
  cat: number
  cid: string
  memory: { baseline: PhaseMemory; add: PhaseMemory; cat: PhaseMemory }
}

async function round(
  work: string,
  file: string,
  size: number,
  opts: Required<Pick<AddCatBenchOptions, 'durability' | 'cidVersion'>>,
  n: number,
): Promise<Round> {
  // anchor: hash the bytes; copy them with one fsync
  const { sha, write } = await measureAnchor(work, file)

  const repoPath = path.join(work, `repo-${n}`)
  const node = await createIpfsNode({ repoPath, swarm: [], durability: opts.durability })
  try {
    collectGarbage()
    const baseline = new MemorySampler().stop()
    let sampler = new MemorySampler()
    const t0 = performance.now()
    const cid = await node.fs.addByteStream(readChunks(file), kuboAddOptions({ cidVersion: opts.cidVersion }))
    const add = (performance.now() - t0) / 1000
    await node.flushed()
    const flushed = (performance.now() - t0) / 1000
    const addMemory = sampler.stop()

    collectGarbage()
    sampler = new MemorySampler()
    const cat = await seconds(async () => {
      let bytes = 0
      for await (const chunk of node.fs.cat(cid)) bytes += chunk.byteLength
      if (bytes !== size) throw new Error(`cat returned ${bytes} bytes, expected ${size}`)
    })
    const catMemory = sampler.stop()
    return { sha, write, add, flushed, cat, cid: cid.toString(), memory: { baseline, add: addMemory, cat: catMemory } }
  } finally {
    await node.stop()
    fs.rmSync(repoPath, { recursive: true, force: true })
  }
}

/** Runs the benchmark and returns its figures (see the module comment). */
export async function runAddCatBench(opts: AddCatBenchOptions = {}): Promise<AddCatBenchResult> {
  const size = opts.size ?? 256 * MiB
  const durability = opts.durability ?? 'overlapping'
  const cidVersion = opts.cidVersion ?? 0
  const rounds = Math.max(1, opts.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), 'crust-ipfs-bench-'))
  const file = path.join(work, 'input.bin')
  try {
    generate(file, size)
    const results: Round[] = []
    for (let n = 0; n < rounds; n++) results.push(await round(work, file, size, { durability, cidVersion }, n))
    const mb = size / 1e6
    const limit = (r: Round) => Math.min(mb / r.sha, mb / r.write)
    const rate = (pick: (r: Round) => number): Rate => ({
      seconds: median(results.map(pick)),
      mbPerSecond: median(results.map((r) => mb / pick(r))),
      ratio: median(results.map((r) => mb / pick(r) / limit(r))),
    })
    const memory = results
      .map((r) => r.memory)
      .reduce((a, b) => ({
        baseline: maxMemory(a.baseline, b.baseline),
        add: maxMemory(a.add, b.add),
        cat: maxMemory(a.cat, b.cat),
      }))
    const cids = new Set(results.map((r) => r.cid))
    if (cids.size !== 1) throw new Error(`rounds produced different CIDs: ${[...cids].join(' ')}`)
    return {
      sizeBytes: size,
      cid: results[0]!.cid,
      durability,
      rounds,
      anchor: {
        sha256MBs: median(results.map((r) => mb / r.sha)),
        writeFsyncMBs: median(results.map((r) => mb / r.write)),
        limitMBs: median(results.map(limit)),
      },
      add: rate((r) => r.add),
      addFlushed: rate((r) => r.flushed),
      cat: rate((r) => r.cat),
      memory,
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Formats a result as the lines the benchmark prints. */
export function formatAddCatBench(r: AddCatBenchResult): string {
  const f = (n: number) => n.toFixed(0)
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  const m = (p: PhaseMemory) => `RSS ${f(p.rssMiB)} MiB (anonymous ${f(p.anonMiB)} MiB, JS heap+buffers ${f(p.jsMiB)} MiB)`
  return [
    `ipfs add/cat: ${f(r.sizeBytes / MiB)} MiB, Kubo defaults, repo durability ${r.durability}, root ${r.cid}; medians of ${r.rounds} rounds`,
    `  anchor: SHA-256 ${f(r.anchor.sha256MBs)} MB/s, write + one fsync ${f(r.anchor.writeFsyncMBs)} MB/s -> limit ${f(r.anchor.limitMBs)} MB/s`,
    `  add (committed): ${f(r.add.mbPerSecond)} MB/s = ${pct(r.add.ratio)} of the anchor (target >= 70%)`,
    `  add (flushed to disk): ${f(r.addFlushed.mbPerSecond)} MB/s = ${pct(r.addFlushed.ratio)} of the anchor`,
    `  cat: ${f(r.cat.mbPerSecond)} MB/s = ${pct(r.cat.ratio)} of the anchor (target >= 80%)`,
    `  peak memory: idle node ${m(r.memory.baseline)}`,
    `               add ${m(r.memory.add)}`,
    `               cat ${m(r.memory.cat)}`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = arg('size')
  const dir = arg('dir')
  const durability = arg('durability')
  const cidVersion = arg('cid-version')
  const rounds = arg('rounds')
  const result = await runAddCatBench({
    ...(size === undefined ? {} : { size: parseSize(size) }),
    ...(dir === undefined ? {} : { dir }),
    ...(durability === undefined ? {} : { durability: durability as RepoDurability }),
    ...(cidVersion === undefined ? {} : { cidVersion: Number(cidVersion) === 1 ? 1 : 0 }),
    ...(rounds === undefined ? {} : { rounds: Number(rounds) }),
  })
  console.log(formatAddCatBench(result))
}
