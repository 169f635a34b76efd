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
 * [--dir FOLDER] [--durability overlapping|sync] [--cid-version 0|1]`. `npm run bench` calls
 * {@link runAddCatBench}.
 */
import { createHash, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createIpfsNode, kuboAddOptions, type RepoDurability } from '../../src/index.js'

/** Options of {@link runAddCatBench}. */
export interface AddCatBenchOptions {
  /** Bytes to add; default 256 MiB. */
  size?: number
  /** Parent folder for the generated file and the repo (removed afterwards); default the OS temp folder. */
  dir?: string
  /** Repo durability mode; default `overlapping` (the node's default). */
  durability?: RepoDurability
  /** CID version of the add (1 implies raw leaves, as in Kubo); default 0. */
  cidVersion?: 0 | 1
}

/** Peak memory of one phase, in MiB. */
export interface PhaseMemory {
  rssMiB: number
  /** V8 heap plus memory held outside it by buffers (heapUsed + external). */
  jsMiB: number
}

/** One measured pipeline. */
export interface Rate {
  seconds: number
  mbPerSecond: number
  /** mbPerSecond / anchor. */
  ratio: number
}

/** Result of {@link runAddCatBench}. */
export interface AddCatBenchResult {
  sizeBytes: number
  cid: string
  durability: RepoDurability
  anchor: { sha256MBs: number; writeFsyncMBs: number; limitMBs: number }
  /** Until `addByteStream` resolved (every block committed: survives a process crash). */
  add: Rate
  /** Until those blocks are also flushed to disk (fsync; survives a power loss). */
  addFlushed: Rate
  cat: Rate
  memory: { baseline: PhaseMemory; add: PhaseMemory; cat: PhaseMemory }
}

const MiB = 1024 * 1024
const IO_CHUNK = MiB

class MemorySampler {
  private peakRss = 0
  private peakJs = 0
  private readonly timer: NodeJS.Timeout

  constructor() {
    this.sample()
    this.timer = setInterval(() => this.sample(), 10)
  }

  sample(): void {
    const m = process.memoryUsage()
    this.peakRss = Math.max(this.peakRss, m.rss)
    this.peakJs = Math.max(this.peakJs, m.heapUsed + m.external)
  }

  stop(): PhaseMemory {
    clearInterval(this.timer)
    this.sample()
    return { rssMiB: this.peakRss / MiB, jsMiB: this.peakJs / MiB }
  }
}

function generate(file: string, size: number): void {
  const fd = fs.openSync(file, 'w')
  try {
    const buf = Buffer.allocUnsafe(IO_CHUNK)
    for (let left = size; left > 0; left -= IO_CHUNK) {
      const n = Math.min(IO_CHUNK, left)
      randomFillSync(buf, 0, n)
      fs.writeSync(fd, buf, 0, n)
    }
    // on disk before anything is timed: its write-back must not compete with the measured writes
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

function readChunks(file: string): fs.ReadStream {
  return fs.createReadStream(file, { highWaterMark: IO_CHUNK })
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

/** Runs the benchmark and returns its figures (see the module comment). */
export async function runAddCatBench(opts: AddCatBenchOptions = {}): Promise<AddCatBenchResult> {
  const size = opts.size ?? 256 * MiB
  const durability = opts.durability ?? 'overlapping'
  const work = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), 'crust-ipfs-bench-'))
  const file = path.join(work, 'input.bin')
  try {
    generate(file, size)
    const mb = size / 1e6

    // anchor: hash the bytes; copy them with one fsync
    const sha = await timed(async () => {
      const hash = createHash('sha256')
      for await (const chunk of readChunks(file)) hash.update(chunk as Buffer)
      return hash.digest()
    })
    const copy = path.join(work, 'copy.bin')
    const write = await timed(async () => {
      const fd = fs.openSync(copy, 'w')
      try {
        for await (const chunk of readChunks(file)) fs.writeSync(fd, chunk as Buffer)
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
    })
    fs.rmSync(copy)
    const sha256MBs = mb / sha.seconds
    const writeFsyncMBs = mb / write.seconds
    const limitMBs = Math.min(sha256MBs, writeFsyncMBs)
    const rate = (seconds: number): Rate => ({ seconds, mbPerSecond: mb / seconds, ratio: mb / seconds / limitMBs })

    const node = await createIpfsNode({ repoPath: path.join(work, 'repo'), swarm: [], durability })
    try {
      global.gc?.()
      const baseline = new MemorySampler().stop()
      let memory = new MemorySampler()
      const t0 = performance.now()
      const cid = await node.fs.addByteStream(readChunks(file), kuboAddOptions({ cidVersion: opts.cidVersion ?? 0 }))
      const added = (performance.now() - t0) / 1000
      await node.flushed()
      const flushed = (performance.now() - t0) / 1000
      const addMemory = memory.stop()

      global.gc?.()
      memory = new MemorySampler()
      const cat = await timed(async () => {
        let bytes = 0
        for await (const chunk of node.fs.cat(cid)) bytes += chunk.byteLength
        if (bytes !== size) throw new Error(`cat returned ${bytes} bytes, expected ${size}`)
      })
      const catMemory = memory.stop()
      return {
        sizeBytes: size,
        cid: cid.toString(),
        durability,
        anchor: { sha256MBs, writeFsyncMBs, limitMBs },
        add: rate(added),
        addFlushed: rate(flushed),
        cat: rate(cat.seconds),
        memory: { baseline, add: addMemory, cat: catMemory },
      }
    } finally {
      await node.stop()
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Formats a result as the lines the benchmark prints. */
export function formatAddCatBench(r: AddCatBenchResult): string {
  const f = (n: number) => n.toFixed(0)
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  const m = (p: PhaseMemory) => `peak RSS ${f(p.rssMiB)} MiB, JS heap+buffers ${f(p.jsMiB)} MiB`
  return [
    `ipfs add/cat: ${f(r.sizeBytes / MiB)} MiB, Kubo defaults, repo durability ${r.durability}, root ${r.cid}`,
    `  anchor: SHA-256 ${f(r.anchor.sha256MBs)} MB/s, write + one fsync ${f(r.anchor.writeFsyncMBs)} MB/s -> limit ${f(r.anchor.limitMBs)} MB/s`,
    `  add (committed): ${f(r.add.mbPerSecond)} MB/s = ${pct(r.add.ratio)} of the anchor (target >= 70%)`,
    `  add (flushed to disk): ${f(r.addFlushed.mbPerSecond)} MB/s = ${pct(r.addFlushed.ratio)} of the anchor`,
    `  cat: ${f(r.cat.mbPerSecond)} MB/s = ${pct(r.cat.ratio)} of the anchor (target >= 80%)`,
    `  memory: before ${m(r.memory.baseline)}; add ${m(r.memory.add)}; cat ${m(r.memory.cat)}`,
  ].join('\n')
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)?$/i.exec(text.trim())
  if (match === null) throw new Error(`bad size: ${text}`)
  const units: Record<string, number> = { b: 1, kib: 1024, mib: MiB, gib: 1024 * MiB, kb: 1e3, mb: 1e6, gb: 1e9 }
  return Math.round(Number(match[1]) * units[(match[2] ?? 'mib').toLowerCase()]!)
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = arg('size')
  const dir = arg('dir')
  const durability = arg('durability')
  const cidVersion = arg('cid-version')
  const result = await runAddCatBench({
    ...(size === undefined ? {} : { size: parseSize(size) }),
    ...(dir === undefined ? {} : { dir }),
    ...(durability === undefined ? {} : { durability: durability as RepoDurability }),
    ...(cidVersion === undefined ? {} : { cidVersion: Number(cidVersion) === 1 ? 1 : 0 }),
  })
  console.log(formatAddCatBench(result))
}
