/**
 * Seal throughput benchmark (not a test). Generates a file of `sizeMiB` (default 256), imports it
 * with Kubo's defaults into an on-disk LMDB blockstore, then measures in the same run, `rounds`
 * times (default 3; the median round is reported):
 * - anchor: AES-256-GCM of the same block bytes + sequential write to a file with fsync;
 * - seal: `Sealer.seal` from that blockstore into a fresh sealed store (verify, encrypt, Merkle, LMDB);
 * - seal with the content tree hashed on the main thread (as before issue #18's follow-up: an enclave
 *   that is not asked to hash the blocks' segments), into another fresh store, so the cost of where
 *   the content hashing runs shows in the same run (the two alternate which goes first).
 * Peak memory of each phase is sampled every 20 ms: RSS (all threads) and the main thread's heap.
 *
 *   npx node packages/sworker/dist/test/bench/seal.bench.js --size 1024 [--rounds 3] [--threads 2]
 * `npm run bench` runs it through bench/run.ts (BENCH_SEAL_MIB, default 1024).
 */
import { createCipheriv, randomBytes, randomFillSync } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { importer } from 'ipfs-unixfs-importer'
import { open } from 'lmdb'
import type { CID } from 'multiformats/cid'
import { silentLogger } from '@crust-ts/base'
import { blockstoreBlockSource, devAttestationAuthority, type Enclave, Sealer, Sworker } from '../../src/index.js'

const MiB = 1024 * 1024

export interface SealBenchParameters {
  sizeMiB?: number
  rounds?: number
  /** Seal worker threads (default: the enclave's default). */
  sealThreads?: number
}

/** Peak memory while a phase runs. */
export interface PeakMemory {
  /** Resident set, all threads; it includes the LMDB files' pages mapped while reading and writing them. */
  rssMiB: number
  /** Anonymous resident memory (Linux `RssAnon`: heaps and buffers of all threads, without mapped files); 0 elsewhere. */
  anonMiB: number
  /** The main thread's JavaScript heap. */
  heapUsedMiB: number
  externalMiB: number
}

/** Linux: resident anonymous memory in bytes (`RssAnon` of /proc/self/status); 0 elsewhere. */
function rssAnon(): number {
  try {
    const match = /^RssAnon:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    return match === null ? 0 : Number(match[1]) * 1024
  } catch {
    return 0
  }
}

export interface SealBenchRound {
  sealMiBs: number
  anchorMiBs: number
  ratio: number
  /** Sealing with the content tree hashed on the main thread: MiB/s and ratio to the anchor. */
  mainHashingMiBs: number
  mainHashingRatio: number
  sealSeconds: number
  seal: PeakMemory
  anchor: PeakMemory
}

export interface SealBenchResult {
  fileMiB: number
  dagMiB: number
  blocks: number
  sealThreads: number | 'default'
  baseRssMiB: number
  baseAnonMiB: number
  baseHeapUsedMiB: number
  rounds: SealBenchRound[]
  /** The round with the median ratio. */
  median: SealBenchRound
  /** The round with the median ratio of sealing with the content tree hashed on the main thread. */
  medianMainHashing: SealBenchRound
}

class PeakSampler {
  private rss = 0
  private anon = 0
  private heap = 0
  private external = 0
  private readonly timer = setInterval(() => this.sample(), 20)
  constructor() {
    this.sample()
  }
  sample() {
    const m = process.memoryUsage()
    this.rss = Math.max(this.rss, m.rss)
    this.anon = Math.max(this.anon, rssAnon())
    this.heap = Math.max(this.heap, m.heapUsed)
    this.external = Math.max(this.external, m.external)
  }
  stop(): PeakMemory {
    clearInterval(this.timer)
    this.sample()
    return { rssMiB: mib(this.rss), anonMiB: mib(this.anon), heapUsedMiB: mib(this.heap), externalMiB: mib(this.external) }
  }
}

const mib = (bytes: number) => Number((bytes / MiB).toFixed(1))
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9

export async function runSealBench(params: SealBenchParameters = {}): Promise<SealBenchResult> {
  const size = Math.round((params.sizeMiB ?? 256) * MiB)
  const rounds = params.rounds ?? 3
  if (!Number.isFinite(size) || size <= 0) throw new Error('sizeMiB: expected a positive number')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-seal-bench-'))
  const env = open<Uint8Array, Uint8Array>({ path: path.join(dir, 'source'), encoding: 'binary', keyEncoding: 'binary', compression: false })
  const order: Uint8Array[] = []
  const blockstore = {
    async put(cid: CID, bytes: Uint8Array) {
      order.push(cid.bytes)
      await env.put(cid.bytes, bytes)
      return cid
    },
    get(cid: CID) {
      const bytes = env.getBinary(cid.bytes)
      if (bytes === undefined) throw new Error(`missing ${cid}`)
      return bytes
    },
    async has(cid: CID) {
      return env.doesExist(cid.bytes)
    },
  }
  async function* content(): AsyncGenerator<Uint8Array> {
    for (let done = 0; done < size; done += MiB) yield randomFillSync(new Uint8Array(Math.min(MiB, size - done)))
  }
  try {
    let root: CID | undefined
    // biome-ignore lint/suspicious/noExplicitAny: the bench blockstore implements only what the importer calls
    for await (const entry of importer([{ content: content() }], blockstore as any, { cidVersion: 0, rawLeaves: false, reduceSingleLeafToSelf: false }))
      root = entry.cid
    await env.flushed
    const base = process.memoryUsage()
    const baseAnon = rssAnon()
    const results: SealBenchRound[] = []
    let dagBytes = 0
    let blocks = 0
    for (let round = 0; round < rounds; round++) {
      // anchor: AES-256-GCM of the same blocks + write + fsync
      const key = randomBytes(32)
      let anchorBytes = 0
      const anchorPeak = new PeakSampler()
      const anchorStart = process.hrtime.bigint()
      const anchorFile = path.join(dir, 'anchor.out')
      const fd = fs.openSync(anchorFile, 'w')
      for (const cidBytes of order) {
        const bytes = env.getBinary(cidBytes)!
        const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12))
        cipher.setAAD(cidBytes)
        fs.writeSync(fd, cipher.update(bytes))
        cipher.final()
        fs.writeSync(fd, cipher.getAuthTag())
        anchorBytes += bytes.length
      }
      fs.fsyncSync(fd)
      fs.closeSync(fd)
      const anchorSeconds = seconds(anchorStart)
      const anchor = anchorPeak.stop()
      fs.rmSync(anchorFile)

      const sealOnce = async (mainHashing: boolean) => {
        const sworkerDir = path.join(dir, `sworker-${round}-${mainHashing}`)
        const sworker = await Sworker.open({
          dataDir: sworkerDir,
          authority: devAttestationAuthority(),
          ...(params.sealThreads === undefined ? {} : { sealThreads: params.sealThreads }),
        })
        // An enclave that drops the request to hash the segments: the sealer then hashes them on its own thread.
        const inner = sworker.enclave
        const enclave: Enclave = {
          publicKey: inner.publicKey,
          code: inner.code,
          attest: (applier, options) => inner.attest(applier, options),
          sealBlock: (cid, block) => inner.sealBlock(cid, block),
          sealFileBlock: (cid, block, prefix) => inner.sealFileBlock(cid, block, prefix),
          unsealBlock: (cid, sealed) => inner.unsealBlock(cid, sealed),
          srdData: (unit, offset, length) => inner.srdData(unit, offset, length),
          signWorkReport: (fields) => inner.signWorkReport(fields),
          close: () => inner.close(),
        }
        const sealer = mainHashing ? await Sealer.open({ store: sworker.store, enclave, logger: silentLogger }) : sworker.sealer
        const peak = new PeakSampler()
        const start = process.hrtime.bigint()
        const record = await sealer.seal(root!, blockstoreBlockSource(blockstore))
        const s = seconds(start)
        const memory = peak.stop()
        await sworker.close()
        fs.rmSync(sworkerDir, { recursive: true, force: true })
        return { record, s, memory }
      }
      const first = await sealOnce(round % 2 === 1)
      const second = await sealOnce(round % 2 === 0)
      const [main, threads] = round % 2 === 1 ? [first, second] : [second, first]
      const { record, s: sealSeconds, memory: seal } = threads

      dagBytes = record.size
      blocks = record.blockCount
      const sealMiBs = record.size / MiB / sealSeconds
      const anchorMiBs = anchorBytes / MiB / anchorSeconds
      const mainHashingMiBs = main.record.size / MiB / main.s
      results.push({
        sealMiBs: Number(sealMiBs.toFixed(1)),
        anchorMiBs: Number(anchorMiBs.toFixed(1)),
        ratio: Number((sealMiBs / anchorMiBs).toFixed(3)),
        mainHashingMiBs: Number(mainHashingMiBs.toFixed(1)),
        mainHashingRatio: Number((mainHashingMiBs / anchorMiBs).toFixed(3)),
        sealSeconds: Number(sealSeconds.toFixed(2)),
        seal,
        anchor,
      })
    }
    const sorted = [...results].sort((a, b) => a.ratio - b.ratio)
    const mainSorted = [...results].sort((a, b) => a.mainHashingRatio - b.mainHashingRatio)
    return {
      fileMiB: mib(size),
      dagMiB: mib(dagBytes),
      blocks,
      sealThreads: params.sealThreads ?? 'default',
      baseRssMiB: mib(base.rss),
      baseAnonMiB: mib(baseAnon),
      baseHeapUsedMiB: mib(base.heapUsed),
      rounds: results,
      median: sorted[Math.floor((sorted.length - 1) / 2)]!,
      medianMainHashing: mainSorted[Math.floor((mainSorted.length - 1) / 2)]!,
    }
  } finally {
    await env.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export function formatSealBench(r: SealBenchResult): string {
  const m = r.median
  return [
    `sworker: seal of a ${r.fileMiB} MiB file (${r.dagMiB} MiB DAG, ${r.blocks} blocks, Kubo defaults), median of ${r.rounds.length}: ${m.sealMiBs} MiB/s; ` +
      `anchor AES-256-GCM + write + fsync of the same blocks ${m.anchorMiBs} MiB/s; ratio ${(100 * m.ratio).toFixed(1)} % (target >= 50 %)`,
    `  rounds (seal/anchor MiB/s, ratio): ${r.rounds.map((x) => `${x.sealMiBs}/${x.anchorMiBs} ${(100 * x.ratio).toFixed(1)} %`).join('; ')}`,
    `  with the content tree hashed on the main thread instead of the seal threads, same run: median ${r.medianMainHashing.mainHashingMiBs} MiB/s, ratio ${(100 * r.medianMainHashing.mainHashingRatio).toFixed(1)} %; ` +
      `rounds ${r.rounds.map((x) => `${x.mainHashingMiBs} ${(100 * x.mainHashingRatio).toFixed(1)} %`).join('; ')}`,
    `  peak memory while sealing: anonymous RSS ${m.seal.anonMiB} MiB (anchor ${m.anchor.anonMiB} MiB, before ${r.baseAnonMiB} MiB); ` +
      `RSS incl. mapped LMDB pages ${m.seal.rssMiB} MiB (anchor ${m.anchor.rssMiB} MiB, before ${r.baseRssMiB} MiB); ` +
      `main heap used ${m.seal.heapUsedMiB} MiB (before ${r.baseHeapUsedMiB} MiB), external ${m.seal.externalMiB} MiB`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string' } } })
  const result = await runSealBench({
    sizeMiB: Number(values.size),
    rounds: Number(values.rounds),
    ...(values.threads === undefined ? {} : { sealThreads: Number(values.threads) }),
  })
  console.log(formatSealBench(result))
  console.log(JSON.stringify(result))
}
