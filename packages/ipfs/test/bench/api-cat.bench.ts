/**
 * Local reads benchmark (not a test): the same file read three ways from one real node on a fresh
 * LMDB repo, each round in turn, medians of the rounds:
 * - the anchor: the in-process UnixFS exporter (`node.fs.cat`), every byte consumed;
 * - `cat` through the Kubo HTTP API (`POST /api/v0/cat`);
 * - a read through the path gateway (`GET /ipfs/<cid>`);
 * the two HTTP reads by `curl` in its own process (as a user's client would be), or by `fetch` in
 * this process when curl is missing. Prints MB/s (10^6 bytes per second) and each HTTP read's ratio
 * to the exporter measured in the same round.
 *
 * Run after building: `npx node packages/ipfs/dist/test/bench/api-cat.bench.js [--size 256MiB] [--rounds 3]`.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { createGatewayServer, createIpfsNode, createKuboApiServer } from '../../src/index.js'
import { arg, generate, MiB, median, parseSize, readChunks, seconds } from './bench-util.js'

export interface ApiCatBenchResult {
  sizeBytes: number
  rounds: number
  client: string
  exporterMBs: number
  api: { mbPerSecond: number; ratio: number }
  gateway: { mbPerSecond: number; ratio: number }
}

const useCurl = spawnSync('curl', ['--version']).status === 0

/** Bytes read from `url` by a client (curl in its own process when there is one). */
async function readAll(url: string, method: 'GET' | 'POST'): Promise<number> {
  if (!useCurl) {
    const res = await fetch(url, { method })
    if (!res.ok || res.body === null) throw new Error(`${url}: ${res.status}`)
    let n = 0
    for await (const chunk of res.body) n += chunk.byteLength
    return n
  }
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '-X', method, '-o', '/dev/null', '-w', '%{size_download}', url], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`curl exited ${code}`))))
  })
}

export async function runApiCatBench(opts: { size?: number; rounds?: number } = {}): Promise<ApiCatBenchResult> {
  const size = opts.size ?? 256 * MiB
  const rounds = Math.max(1, opts.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-ipfs-bench-cat-'))
  const file = path.join(work, 'input.bin')
  const node = await createIpfsNode({ repoPath: path.join(work, 'repo'), swarm: [] })
  const api = createKuboApiServer(node, { port: 0 })
  const gateway = createGatewayServer(node, { port: 0 })
  try {
    generate(file, size)
    const cid = await node.fs.addByteStream(readChunks(file) as AsyncIterable<Uint8Array>, { cidVersion: 0, rawLeaves: false })
    const apiPort = (await api.start()).port
    const gatewayPort = (await gateway.start()).port
    const expect = (n: number) => {
      if (n !== size) throw new Error(`read ${n} bytes, expected ${size}`)
    }
    const exporter: number[] = []
    const viaApi: number[] = []
    const viaGateway: number[] = []
    for (let r = 0; r < rounds; r++) {
      exporter.push(
        await seconds(async () => {
          let n = 0
          for await (const chunk of node.fs.cat(cid)) n += chunk.byteLength
          expect(n)
        }),
      )
      viaApi.push(await seconds(async () => expect(await readAll(`http://127.0.0.1:${apiPort}/api/v0/cat?arg=${cid}`, 'POST'))))
      viaGateway.push(await seconds(async () => expect(await readAll(`http://127.0.0.1:${gatewayPort}/ipfs/${cid}`, 'GET'))))
    }
    const mb = size / 1e6
    const ratio = (times: number[]) => median(times.map((t, i) => exporter[i]! / t))
    return {
      sizeBytes: size,
      rounds,
      client: useCurl ? 'curl, its own process' : 'fetch in process',
      exporterMBs: median(exporter.map((t) => mb / t)),
      api: { mbPerSecond: median(viaApi.map((t) => mb / t)), ratio: ratio(viaApi) },
      gateway: { mbPerSecond: median(viaGateway.map((t) => mb / t)), ratio: ratio(viaGateway) },
    }
  } finally {
    await gateway.stop()
    await api.stop()
    await node.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

export function formatApiCatBench(r: ApiCatBenchResult): string {
  const f = (n: number) => n.toFixed(0)
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  return [
    `ipfs local reads (client: ${r.client}): ${f(r.sizeBytes / MiB)} MiB file, medians of ${r.rounds} rounds`,
    `  anchor: in-process exporter ${f(r.exporterMBs)} MB/s`,
    `  API cat: ${f(r.api.mbPerSecond)} MB/s = ${pct(r.api.ratio)} of the exporter (target >= 50%)`,
    `  gateway GET /ipfs: ${f(r.gateway.mbPerSecond)} MB/s = ${pct(r.gateway.ratio)} of the exporter (target >= 50%)`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = arg('size')
  const rounds = arg('rounds')
  console.log(
    formatApiCatBench(
      await runApiCatBench({ ...(size === undefined ? {} : { size: parseSize(size) }), ...(rounds === undefined ? {} : { rounds: Number(rounds) }) }),
    ),
  )
}
