/**
 * Bitswap pull benchmark (not a test): real IPFS nodes in this process on fresh LMDB repos, talking
 * over loopback TCP (noise, yamux), each round in turn, medians of the rounds:
 * - the anchor: the file's bytes over one raw libp2p stream from the holder to the fetcher (the same
 *   two hosts, written in 256 KiB pieces);
 * - a pull from one holder: a fresh fetcher pins the file (`helia.pins.add`, what a storage node's
 *   `pin/add` does), told of the holder by provider hints (so the blocks come on the block stream);
 * - the same pull the way it was done before (one block at a time, the holder dialled, no hints);
 * - a pull from two holders at once (the same fetcher path, two hinted holders), with the share of
 *   the blocks each served;
 * - a pull through the API of another node: `cat` (by curl, in its own process) from a fresh node's
 *   Kubo API, the node fetching from the hinted holder as it streams, against the holder's own API
 *   `cat` of the same file in the same round.
 * Prints MiB/s and the ratio of each pull to the anchor measured in the same round. Every process
 * part shares one event loop here, so sender and receiver costs both count, for the anchor too.
 *
 * Run after building: `npx node packages/ipfs/dist/test/bench/bitswap-pull.bench.js [--size 64MiB] [--rounds 3]`.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, createKuboApiServer, type DefaultIpfsNode, kuboAddOptions, type ProviderHints, sequentialWalker } from '../../src/index.js'
import { arg, generate, MiB, median, parseSize, readChunks, seconds } from './bench-util.js'

const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
const RAW_PROTOCOL = '/crust-ts/bench/raw-pull/1.0.0'
const PIECE = 256 * 1024

export interface BitswapPullBenchResult {
  sizeBytes: number
  rounds: number
  anchorMiBs: number
  single: { mibPerSecond: number; ratio: number }
  /** The way before the read-ahead and the split: one block at a time, the holder dialled, no hints. */
  plain: { mibPerSecond: number; ratio: number }
  two: { mibPerSecond: number; ratio: number; shares: number[] }
  /** API `cat` of a fresh node that pulls from the holder, against the holder's own API `cat` (undefined without curl). */
  viaApi?: { holderMiBs: number; otherMiBs: number; ratio: number }
}

const useCurl = spawnSync('curl', ['--version']).status === 0

/** Seconds for curl (its own process) to read `POST /api/v0/cat` of `cid` from `port` to its end. */
function curlCat(port: number, cid: CID, size: number): Promise<number> {
  return seconds(
    () =>
      new Promise<void>((resolve, reject) => {
        const url = `http://127.0.0.1:${port}/api/v0/cat?arg=${cid}`
        const child = spawn('curl', ['-sS', '--fail', '-X', 'POST', '-o', '/dev/null', '-w', '%{size_download}', url], { stdio: ['ignore', 'pipe', 'inherit'] })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        child.once('error', reject)
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`curl exited ${code}`))
          else if (Number(out) !== size) reject(new Error(`API cat gave ${out} bytes, expected ${size}`))
          else resolve()
        })
      }),
  )
}

/** Seconds for a fresh node, hinted with `holder`, to answer its own API `cat` of `cid` (fetching as it streams). */
async function pullThroughApi(dir: string, holder: DefaultIpfsNode, cid: CID, size: number): Promise<number> {
  const hints: ProviderHints = { providersOf: async () => [holderOf(holder)] }
  const other = await createIpfsNode({ repoPath: dir, swarm: LOOPBACK, fetchTimeoutMs: 60_000, providerHints: hints })
  const api = createKuboApiServer(other, { port: 0 })
  try {
    return await curlCat((await api.start()).port, cid, size)
  } finally {
    await api.stop()
    await other.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const holderOf = (n: DefaultIpfsNode) => ({ peerId: n.libp2p.peerId.toString(), multiaddrs: n.libp2p.getMultiaddrs().map(String) })

/** Serves `size` bytes on every raw-pull stream (the anchor's sender). */
async function serveRaw(holder: DefaultIpfsNode, size: number): Promise<void> {
  const piece = new Uint8Array(PIECE).fill(7)
  await holder.libp2p.handle(RAW_PROTOCOL, async (stream: Stream) => {
    // Not before the asker's byte: what arrives before it reads piles up in its read buffer (4 MiB limit, then the stream aborts).
    for await (const _ of stream) break
    for (let left = size; left > 0; left -= PIECE) {
      if (!stream.send(left >= PIECE ? piece : piece.subarray(0, left))) await stream.onDrain()
    }
    await stream.close()
  })
}

/** Seconds to read the holder's raw-pull stream to its end. */
async function rawPull(fetcher: DefaultIpfsNode, holder: DefaultIpfsNode, size: number): Promise<number> {
  await fetcher.libp2p.dial(holder.libp2p.getMultiaddrs())
  return seconds(async () => {
    const stream = await fetcher.libp2p.dialProtocol(holder.libp2p.getMultiaddrs(), RAW_PROTOCOL)
    // Reading first, then a request byte (the holder sends once it has it), then our side closed.
    const received = (async () => {
      let n = 0
      for await (const chunk of stream) n += chunk.byteLength
      return n
    })()
    stream.send(new Uint8Array([1]))
    await stream.close()
    const n = await received
    if (n !== size) throw new Error(`raw stream gave ${n} bytes, expected ${size}`)
  })
}

/**
 * Seconds for a fresh node, hinted with `holders`, to pin `cid` (every block fetched and stored).
 * `plain`: the holder dialled instead of hinted, and the DAG walked one block at a time.
 */
async function pull(dir: string, holders: DefaultIpfsNode[], cid: CID, plain = false): Promise<{ s: number; served: number[] }> {
  const hints: ProviderHints = { providersOf: async () => holders.map(holderOf) }
  const fetcher = await createIpfsNode({ repoPath: dir, swarm: LOOPBACK, fetchTimeoutMs: 60_000, ...(plain ? {} : { providerHints: hints }) })
  try {
    if (plain) for (const h of holders) await fetcher.libp2p.dial(h.libp2p.getMultiaddrs())
    const s = await seconds(async () => {
      for await (const _ of fetcher.helia.pins.add(cid, plain ? { walker: sequentialWalker() } : {})) {
        // every block pinned
      }
    })
    return { s, served: holders.map((h) => fetcher.retrieval.get(h.libp2p.peerId.toString())?.successes ?? 0) }
  } finally {
    await fetcher.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function runBitswapPullBench(opts: { size?: number; rounds?: number } = {}): Promise<BitswapPullBenchResult> {
  const size = opts.size ?? 64 * MiB
  const rounds = Math.max(1, opts.rounds ?? 3)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-ipfs-bench-pull-'))
  const file = path.join(work, 'input.bin')
  const holders = [
    await createIpfsNode({ repoPath: path.join(work, 'holder-a'), swarm: LOOPBACK }),
    await createIpfsNode({ repoPath: path.join(work, 'holder-b'), swarm: LOOPBACK }),
  ]
  const anchorNode = await createIpfsNode({ repoPath: path.join(work, 'anchor'), swarm: LOOPBACK })
  const holderApi = createKuboApiServer(holders[0]!, { port: 0 })
  try {
    const holderApiPort = (await holderApi.start()).port
    generate(file, size)
    // What a storage node's add makes: CIDv0, 256 KiB dag-pb leaves.
    const cids = []
    for (const h of holders) cids.push(await h.fs.addByteStream(readChunks(file) as AsyncIterable<Uint8Array>, kuboAddOptions()))
    const cid = cids[0]!
    if (!cids.every((c) => c.equals(cid))) throw new Error('the two holders made different CIDs')
    await serveRaw(holders[0]!, size)
    const anchor: number[] = []
    const single: number[] = []
    const plain: number[] = []
    const two: number[] = []
    const shares: number[][] = []
    const holderCat: number[] = []
    const otherCat: number[] = []
    for (let r = 0; r < rounds; r++) {
      if (useCurl) {
        holderCat.push(await curlCat(holderApiPort, cid, size))
        otherCat.push(await pullThroughApi(path.join(work, `api-${r}`), holders[0]!, cid, size))
      }
      anchor.push(await rawPull(anchorNode, holders[0]!, size))
      single.push((await pull(path.join(work, `single-${r}`), [holders[0]!], cid)).s)
      plain.push((await pull(path.join(work, `plain-${r}`), [holders[0]!], cid, true)).s)
      const both = await pull(path.join(work, `two-${r}`), holders, cid)
      two.push(both.s)
      const total = both.served.reduce((a, b) => a + b, 0)
      shares.push(both.served.map((n) => n / Math.max(1, total)))
    }
    const mib = size / MiB
    const ratio = (times: number[]) => median(times.map((t, i) => anchor[i]! / t))
    return {
      sizeBytes: size,
      rounds,
      anchorMiBs: median(anchor.map((t) => mib / t)),
      single: { mibPerSecond: median(single.map((t) => mib / t)), ratio: ratio(single) },
      plain: { mibPerSecond: median(plain.map((t) => mib / t)), ratio: ratio(plain) },
      two: { mibPerSecond: median(two.map((t) => mib / t)), ratio: ratio(two), shares: shares[shares.length >> 1]! },
      ...(useCurl
        ? {
            viaApi: {
              holderMiBs: median(holderCat.map((t) => mib / t)),
              otherMiBs: median(otherCat.map((t) => mib / t)),
              ratio: median(otherCat.map((t, i) => holderCat[i]! / t)),
            },
          }
        : {}),
    }
  } finally {
    await holderApi.stop()
    await anchorNode.stop()
    for (const h of holders) await h.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

export function formatBitswapPullBench(r: BitswapPullBenchResult): string {
  const f = (n: number) => n.toFixed(1)
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  return [
    `ipfs bitswap pull (one process, loopback TCP, noise, yamux): ${(r.sizeBytes / MiB).toFixed(0)} MiB file pinned by a fresh node, medians of ${r.rounds} rounds`,
    `  anchor: the same bytes over one raw libp2p stream between two of these nodes ${f(r.anchorMiBs)} MiB/s`,
    `  pull from one holder: ${f(r.single.mibPerSecond)} MiB/s = ${pct(r.single.ratio)} of the anchor (target >= 50%)`,
    `  before (one block at a time, no hints): ${f(r.plain.mibPerSecond)} MiB/s = ${pct(r.plain.ratio)} of the anchor`,
    `  pull from two holders: ${f(r.two.mibPerSecond)} MiB/s = ${pct(r.two.ratio)} of the anchor; blocks served ${r.two.shares.map(pct).join(' / ')}`,
    r.viaApi === undefined
      ? "  pull through another node's API: skipped (no curl)"
      : `  pull through another node's API cat (curl): ${f(r.viaApi.otherMiBs)} MiB/s = ${pct(r.viaApi.ratio)} of the holder's own API cat, ${f(r.viaApi.holderMiBs)} MiB/s (target >= 60%)`,
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = arg('size')
  const rounds = arg('rounds')
  console.log(
    formatBitswapPullBench(
      await runBitswapPullBench({ ...(size === undefined ? {} : { size: parseSize(size) }), ...(rounds === undefined ? {} : { rounds: Number(rounds) }) }),
    ),
  )
}
