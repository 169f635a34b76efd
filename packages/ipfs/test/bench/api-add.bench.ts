/**
 * IPFS add through the Kubo HTTP API benchmark (not a test). Generates a file of random bytes
 * (default 256 MiB), then in one run measures:
 * - the anchor, this machine's limit for the same bytes: the slower of SHA-256 over the file
 *   (read + hash) and copying it to a new file with one fsync at the end (read + write + fsync);
 * - `add`: `kubo-rpc-client`'s `add(fs.createReadStream(file))` with Kubo's defaults (CIDv0,
 *   256 KiB chunks, pinned) against `createKuboApiServer` on port 0 over a real node on a fresh LMDB
 *   repo, until the API answered with the root (blocks committed and pinned);
 * and reports MB/s (10^6 bytes per second) and the ratio to the anchor.
 *
 * Run after building: `npx node packages/ipfs/dist/test/bench/api-add.bench.js [--size 256MiB]
 * [--dir FOLDER] [--rounds 3]`.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { arg, generate, MiB, measureAnchor, median, parseSize, seconds } from './bench-util.js'
import { pathToFileURL } from 'node:url'
import { create } from 'kubo-rpc-client'
import { createIpfsNode, createKuboApiServer } from '../../src/index.js'

/** Options of {@link runApiAddBench}. */
export interface ApiAddBenchOptions {
  /** Bytes to add; default 256 MiB. */
  size?: number
  /** Parent folder for the generated file and the repos (removed afterwards); default the OS temp folder. */
  dir?: string
  /**
   * Measurement rounds (anchor and add each round, fresh repo each time); the report gives the
   * median of each figure, so a slow moment of a shared machine does not decide it. Default 3.
   */
  rounds?: number
}

/** Result of {@link runApiAddBench}: medians over the rounds. */
export interface ApiAddBenchResult {
  sizeBytes: number
  cid: string
  rounds: number
  anchor: { sha256MBs: number; writeFsyncMBs: number; limitMBs: number }
  add: {
    seconds: number
    mbPerSecond: number
    /** Median over rounds of (this round's MB/s ÷ this round's anchor). */
    ratio: number
  }
  /** Each round's own figures, in order (the medians hide how much a shared machine moved them). */
  perRound: Array<{ addMBs: number; limitMBs: number; ratio: number }>
}

interface Round {
  sha: number
  write: number
  add: number
  cid: string
}

async function round(work: string, file: string, size: number, n: number): Promise<Round> {
  // anchor: hash the bytes; copy them with one fsync
  const { sha, write } = await measureAnchor(work, file)

  const repoPath = path.join(work, `repo-${n}`)
  const node = await createIpfsNode({ repoPath, swarm: [] })
  const api = createKuboApiServer(node, { port: 0 })
  try {
    const { port } = await api.start()
    let cid = ''
    let added = 0
    const add = await seconds(async () => {
      if (useCurl) {
        // A client in its own process, as a user's would be: the upload does not share the server's thread.
        const out = await curlAdd(port, file)
        cid = out.Hash
        added = Number(out.Size)
        return
      }
      const client = create({ url: `http://127.0.0.1:${port}` })
      const result = await client.add(fs.createReadStream(file))
      cid = result.cid.toString()
      added = result.size
    })
    if (added < size) throw new Error(`add reported ${added} bytes, expected at least ${size}`)
    return { sha, write, add, cid }
  } finally {
    await api.stop()
    await node.stop()
    fs.rmSync(repoPath, { recursive: true, force: true })
  }
}

const useCurl = spawnSync('curl', ['--version']).status === 0

/** `curl -F file=@...` against /api/v0/add; the last NDJSON line is the root. */
function curlAdd(port: number, file: string): Promise<{ Hash: string; Size: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-X', 'POST', '-F', `file=@${file}`, `http://127.0.0.1:${port}/api/v0/add`], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.once('error', reject)
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1)
      if (code !== 0 || last === undefined) return reject(new Error(`curl exited ${code}: ${out}`))
      resolve(JSON.parse(last) as { Hash: string; Size: string })
    })
  })
}

/** Runs the benchmark and returns its figures (see the module comment). */
export async function runApiAddBench(opts: ApiAddBenchOptions = {}): Promise<ApiAddBenchResult> {
  const size = opts.size ?? 256 * MiB
  const rounds = Math.max(1, opts.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(opts.dir ?? os.tmpdir(), 'crust-ipfs-bench-api-'))
  const file = path.join(work, 'input.bin')
  try {
    generate(file, size)
    const results: Round[] = []
    for (let n = 0; n < rounds; n++) results.push(await round(work, file, size, n))
    const mb = size / 1e6
    const limit = (r: Round) => Math.min(mb / r.sha, mb / r.write)
    const cids = new Set(results.map((r) => r.cid))
    if (cids.size !== 1) throw new Error(`rounds produced different CIDs: ${[...cids].join(' ')}`)
    return {
      sizeBytes: size,
      cid: results[0]!.cid,
      rounds,
      anchor: {
        sha256MBs: median(results.map((r) => mb / r.sha)),
        writeFsyncMBs: median(results.map((r) => mb / r.write)),
        limitMBs: median(results.map(limit)),
      },
      add: {
        seconds: median(results.map((r) => r.add)),
        mbPerSecond: median(results.map((r) => mb / r.add)),
        ratio: median(results.map((r) => mb / r.add / limit(r))),
      },
      perRound: results.map((r) => ({ addMBs: mb / r.add, limitMBs: limit(r), ratio: mb / r.add / limit(r) })),
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Formats a result as the lines the benchmark prints. */
export function formatApiAddBench(r: ApiAddBenchResult): string {
  const f = (n: number) => n.toFixed(0)
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  return [
    `ipfs add via the Kubo HTTP API (client: ${useCurl ? 'curl, its own process' : 'kubo-rpc-client in process'}): ${f(r.sizeBytes / MiB)} MiB, Kubo defaults (pinned), root ${r.cid}; medians of ${r.rounds} rounds`,
    `  anchor: SHA-256 ${f(r.anchor.sha256MBs)} MB/s, write + one fsync ${f(r.anchor.writeFsyncMBs)} MB/s -> limit ${f(r.anchor.limitMBs)} MB/s`,
    `  add (API answered): ${f(r.add.mbPerSecond)} MB/s in ${r.add.seconds.toFixed(2)} s = ${pct(r.add.ratio)} of the anchor (target >= 50%)`,
    `  each round: ${r.perRound.map((x) => `${f(x.addMBs)} MB/s of ${f(x.limitMBs)} (${pct(x.ratio)})`).join(', ')}`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = arg('size')
  const dir = arg('dir')
  const rounds = arg('rounds')
  const result = await runApiAddBench({
    ...(size === undefined ? {} : { size: parseSize(size) }),
    ...(dir === undefined ? {} : { dir }),
    ...(rounds === undefined ? {} : { rounds: Number(rounds) }),
  })
  console.log(formatApiAddBench(result))
}
