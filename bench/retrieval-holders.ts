/**
 * Retrieval from several holders (issue #19): does the ranking move blocks away from a slow holder,
 * and do three holders pull faster than one?
 *
 * Real processes and a real network: three holders (bench/retrieval-holder.ts), each an IPFS node
 * in its own network namespace on a bridge, holding the same 20 files of 8 MiB and one of 64 MiB;
 * each holder's upload is rate-limited by a kernel token bucket (`tc tbf` on its end of its veth
 * pair), so the figures measure scheduling, not the CPU of a 2-core machine. The puller is an IPFS
 * node in this process (root namespace), told of the holders by provider hints, fetching with the
 * node's own parts: the scoring block broker, the persisted retrieval scores and the holder split.
 *
 * - Incentive: two holders upload at `fastMbit`, one at a tenth of it; a fresh puller pins the 20
 *   files one after another (its scores carry from file to file); per file, the slow holder's share
 *   of the blocks fetched. Target: below 10 % for every file after the first 5.
 * - Three holders against one: all three at `rateMbit`; a fresh puller pins the 64 MiB file told of
 *   one holder, another told of all three; MiB/s and the ratio (target >= 1.5).
 * - One holder, no rate limit: the anchor is the raw libp2p stream throughput (TCP, noise, yamux)
 *   from holder 0's process to a fresh puller in this one; the same puller then pins a `pullMiB`
 *   file from that holder alone. Ratio pull : anchor per round (target >= 0.5).
 * - Through another node's API, no rate limit: curl reads `cat` of the `pullMiB` file from holder 0's
 *   own Kubo API (curl in its namespace), then from the API of a fresh node in this process that
 *   holds nothing and pulls from holder 0 as it answers. Ratio other : own per round (target >= 0.6).
 * Each part is run `rounds` times (fresh pullers); medians printed. Needs root (namespaces, tc).
 *
 *   npx node bench/dist/retrieval-holders.js [--rounds 3] [--parts pull,api,incentive,three] [--pull-mib 256] [--files 20]
 *   (`npm run bench`: BENCH_HOLDERS_ROUNDS)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { createIpfsNode, createKuboApiServer, type ProviderHints } from '@crust-ts/ipfs'
import { type HolderReady, RAW_PULL_PROTOCOL } from './retrieval-wire.js'

const MiB = 1024 * 1024
const HOLDER_SCRIPT = fileURLToPath(new URL('./retrieval-holder.js', import.meta.url))

/** What the bench uses of testkit's host network (loaded from its build: bench/ builds before testkit). */
interface Host {
  index: number
  ns: string
  address: string
}
interface HostNetwork {
  hosts: Host[]
  spawn(host: Host, command: string, args: string[], options: object): ChildProcess
  rateLimitUpload(host: Host, mbit: number): Promise<void>
  destroy(): Promise<void>
}
interface Testkit {
  netnsUnavailable(): Promise<string | undefined>
  HostNetwork: { create(init: { hosts: number }): Promise<HostNetwork> }
}

export interface RetrievalHoldersInit {
  files?: number
  fileMiB?: number
  bigMiB?: number
  /** Upload rate of the fast holders in the incentive part; the slow one gets a tenth. */
  fastMbit?: number
  /** Upload rate of each holder in the three-against-one part. */
  rateMbit?: number
  /** The file pulled from one holder with no rate limit, against the raw stream and through an API (0 skips both parts). */
  pullMiB?: number
  rounds?: number
  /** The parts to run (default all of them). */
  parts?: BenchPart[]
}

/** The bench's parts, in the order they run. */
export const BENCH_PARTS = ['pull', 'api', 'incentive', 'three'] as const
export type BenchPart = (typeof BENCH_PARTS)[number]

export interface RetrievalHoldersResult {
  files: number
  fileMiB: number
  bigMiB: number
  fastMbit: number
  rateMbit: number
  pullMiB: number
  rounds: number
  parts: BenchPart[]
  /** One holder, no rate limit: raw stream MiB/s, pull MiB/s, and the median of the rounds' ratios. */
  rawMiBs: number
  pullMiBs: number
  pullRatio: number
  /** Through an API, no rate limit: holder 0's own `cat` MiB/s, another node's (pulling) MiB/s, median of the rounds' ratios. */
  apiOwnMiBs: number
  apiOtherMiBs: number
  apiRatio: number
  /** Per file (median over rounds): the slow holder's share of the blocks, and seconds to pin it. */
  slowShare: number[]
  fileSeconds: number[]
  /** The slow holder's share of every block fetched after the first 5 files (median over rounds). */
  slowShareAfter5: number
  oneMiBs: number
  threeMiBs: number
  /** Median over rounds of three-holder MiB/s ÷ one-holder MiB/s of the same round. */
  ratio: number
  skipped?: string
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Starts a holder in `host`'s namespace and waits until it holds every file. */
async function startHolder(
  net: HostNetwork,
  host: Host,
  repo: string,
  init: Required<RetrievalHoldersInit>,
): Promise<{ child: ChildProcess; ready: HolderReady }> {
  const args = [HOLDER_SCRIPT, repo, host.address, String(init.files), String(init.fileMiB), String(init.bigMiB), String(host.index === 0 ? init.pullMiB : 0)]
  const child = net.spawn(host, process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const ready = await new Promise<HolderReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as HolderReady))
    child.once('exit', (code) => reject(new Error(`holder in ${host.ns} exited (${code}): ${stderr.trim().split('\n').pop()}`)))
  })
  return { child, ready }
}

/** A fresh puller told that `holders` hold everything; `fn` runs with it, then it is stopped and its repo removed. */
async function withPuller<T>(dir: string, holders: HolderReady[], fn: (puller: Awaited<ReturnType<typeof createIpfsNode>>) => Promise<T>): Promise<T> {
  const hints: ProviderHints = { providersOf: async () => holders.map((h) => ({ peerId: h.peerId, multiaddrs: h.multiaddrs })) }
  const puller = await createIpfsNode({ repoPath: dir, swarm: ['/ip4/0.0.0.0/tcp/0'], fetchTimeoutMs: 120_000, providerHints: hints })
  try {
    return await fn(puller)
  } finally {
    await puller.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function seconds(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return (performance.now() - t0) / 1000
}

/** Seconds for curl to read `POST /api/v0/cat` of `cid` at `address:port` to its end; run in `host`'s namespace when given. */
function curlCat(net: HostNetwork, host: Host | undefined, address: string, port: number, cid: string, bytes: number): Promise<number> {
  return seconds(
    () =>
      new Promise<void>((resolve, reject) => {
        const args = ['-sS', '--fail', '-X', 'POST', '-o', '/dev/null', '-w', '%{size_download}', `http://${address}:${port}/api/v0/cat?arg=${cid}`]
        const options = { stdio: ['ignore', 'pipe', 'inherit'] as ('ignore' | 'pipe' | 'inherit')[] }
        const child = host === undefined ? spawn('curl', args, options) : net.spawn(host, 'curl', args, options)
        let out = ''
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString()
        })
        child.once('error', reject)
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`curl exited ${code}`))
          else if (Number(out) !== bytes) reject(new Error(`API cat gave ${out} bytes, expected ${bytes}`))
          else resolve()
        })
      }),
  )
}

async function pin(puller: Awaited<ReturnType<typeof createIpfsNode>>, cid: CID): Promise<number> {
  const t0 = performance.now()
  for await (const _ of puller.helia.pins.add(cid)) {
    // every block fetched and stored
  }
  return (performance.now() - t0) / 1000
}

export async function runRetrievalHoldersBench(opts: RetrievalHoldersInit = {}): Promise<RetrievalHoldersResult> {
  const init: Required<RetrievalHoldersInit> = {
    files: opts.files ?? 20,
    fileMiB: opts.fileMiB ?? 8,
    bigMiB: opts.bigMiB ?? 64,
    fastMbit: opts.fastMbit ?? 80,
    rateMbit: opts.rateMbit ?? 60,
    pullMiB: opts.pullMiB ?? 256,
    rounds: Math.max(1, opts.rounds ?? 3),
    parts: opts.parts ?? [...BENCH_PARTS],
  }
  const runs = (part: BenchPart): boolean => init.parts.includes(part)
  const empty = {
    ...init,
    slowShare: [],
    fileSeconds: [],
    slowShareAfter5: Number.NaN,
    oneMiBs: Number.NaN,
    threeMiBs: Number.NaN,
    ratio: Number.NaN,
    rawMiBs: Number.NaN,
    pullMiBs: Number.NaN,
    pullRatio: Number.NaN,
    apiOwnMiBs: Number.NaN,
    apiOtherMiBs: Number.NaN,
    apiRatio: Number.NaN,
  }
  const kit = (await import(new URL('../../packages/testkit/dist/src/index.js', import.meta.url).href)) as Testkit
  const why = await kit.netnsUnavailable()
  if (why !== undefined) return { ...empty, skipped: why }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-bench-holders-'))
  const net = await kit.HostNetwork.create({ hosts: 3 })
  const children: ChildProcess[] = []
  try {
    // Started together: each adds its files while the others do.
    const started = net.hosts.map((host) => startHolder(net, host, path.join(work, `holder-${host.index}`), init))
    const settled = await Promise.allSettled(started)
    for (const s of settled) if (s.status === 'fulfilled') children.push(s.value.child)
    const failed = settled.find((s) => s.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    const holders = settled.map((s) => (s as PromiseFulfilledResult<{ ready: HolderReady }>).value.ready)
    if (!holders.every((h) => h.cids.join() === holders[0]!.cids.join())) throw new Error('the holders made different CIDs')
    const cids = holders[0]!.cids.map((c) => CID.parse(c))
    const big = cids.pop()!

    // One holder, no rate limit yet: the raw stream from its process, then a pull of the same size.
    const raw: number[] = []
    const pulled: number[] = []
    if (init.pullMiB > 0 && runs('pull')) {
      const holder = holders[0]!
      const pullCid = CID.parse(holder.pullCid!)
      for (let r = 0; r < init.rounds; r++) {
        await withPuller(path.join(work, `pull-${r}`), [holder], async (puller) => {
          const addrs = holder.multiaddrs.map((a) => multiaddr(a))
          raw.push(
            init.pullMiB /
              (await seconds(async () => {
                const stream = await puller.libp2p.dialProtocol(addrs, RAW_PULL_PROTOCOL)
                // reading before the request byte goes: the holder sends as soon as it has it
                const received = (async () => {
                  let n = 0
                  for await (const chunk of stream) n += chunk.byteLength
                  return n
                })()
                stream.send(new Uint8Array([1]))
                await stream.close()
                const n = await received
                if (n !== init.pullMiB * MiB) throw new Error(`raw stream gave ${n} bytes`)
              })),
          )
          pulled.push(init.pullMiB / (await pin(puller, pullCid)))
        })
      }
    }

    // Through an API: holder 0's own cat, then that of a node that pulls from it as it answers.
    const ownCat: number[] = []
    const otherCat: number[] = []
    if (init.pullMiB > 0 && runs('api')) {
      const holder = holders[0]!
      const bytes = init.pullMiB * MiB
      for (let r = 0; r < init.rounds; r++) {
        ownCat.push(init.pullMiB / (await curlCat(net, net.hosts[0], net.hosts[0]!.address, holder.apiPort!, holder.pullCid!, bytes)))
        await withPuller(path.join(work, `api-${r}`), [holder], async (puller) => {
          const api = createKuboApiServer(puller, { port: 0 })
          try {
            const { port } = await api.start()
            otherCat.push(init.pullMiB / (await curlCat(net, undefined, '127.0.0.1', port, holder.pullCid!, bytes)))
          } finally {
            await api.stop()
          }
        })
      }
    }

    // Incentive: holder 2 uploads at a tenth of the others' rate.
    const shares: number[][] = []
    const times: number[][] = []
    const after5: number[] = []
    if (runs('incentive')) for (const host of net.hosts) await net.rateLimitUpload(host, host.index === 2 ? init.fastMbit / 10 : init.fastMbit)
    for (let r = 0; r < (runs('incentive') ? init.rounds : 0); r++) {
      await withPuller(path.join(work, `incentive-${r}`), holders, async (puller) => {
        const served = () => holders.map((h) => puller.retrieval.get(h.peerId)?.successes ?? 0)
        const roundShares: number[] = []
        const roundTimes: number[] = []
        let slowLate = 0
        let allLate = 0
        for (const [i, cid] of cids.entries()) {
          const before = served()
          roundTimes.push(await pin(puller, cid))
          const delta = served().map((n, j) => n - before[j]!)
          const total = delta.reduce((a, b) => a + b, 0)
          roundShares.push(delta[2]! / Math.max(1, total))
          if (i >= 5) {
            slowLate += delta[2]!
            allLate += total
          }
        }
        shares.push(roundShares)
        times.push(roundTimes)
        after5.push(slowLate / Math.max(1, allLate))
      })
    }

    // Three holders against one, every holder at the same rate.
    const one: number[] = []
    const three: number[] = []
    if (runs('three')) for (const host of net.hosts) await net.rateLimitUpload(host, init.rateMbit)
    for (let r = 0; r < (runs('three') ? init.rounds : 0); r++) {
      one.push(init.bigMiB / (await withPuller(path.join(work, `one-${r}`), [holders[r % 3]!], (p) => pin(p, big))))
      three.push(init.bigMiB / (await withPuller(path.join(work, `three-${r}`), holders, (p) => pin(p, big))))
    }
    const med = (values: number[]): number => (values.length === 0 ? Number.NaN : median(values))
    return {
      ...init,
      slowShare: shares.length === 0 ? [] : cids.map((_, i) => median(shares.map((s) => s[i]!))),
      fileSeconds: times.length === 0 ? [] : cids.map((_, i) => median(times.map((t) => t[i]!))),
      slowShareAfter5: med(after5),
      oneMiBs: med(one),
      threeMiBs: med(three),
      ratio: med(three.map((t, i) => t / one[i]!)),
      rawMiBs: med(raw),
      pullMiBs: med(pulled),
      pullRatio: med(pulled.map((p, i) => p / raw[i]!)),
      apiOwnMiBs: med(ownCat),
      apiOtherMiBs: med(otherCat),
      apiRatio: med(otherCat.map((o, i) => o / ownCat[i]!)),
    }
  } finally {
    for (const child of children) {
      if (child.connected) child.disconnect()
      const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r))
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    await net.destroy()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

export function formatRetrievalHoldersBench(r: RetrievalHoldersResult): string {
  const head = `ipfs retrieval from several holders (3 holder processes in network namespaces, uploads rate-limited by tc tbf, puller in this process), medians of ${r.rounds} rounds`
  if (r.skipped !== undefined) return `${head}\n  skipped: ${r.skipped}`
  const pct = (n: number) => `${(100 * n).toFixed(0)}%`
  const late = r.slowShare.slice(5)
  const ok = late.every((s) => s < 0.1)
  const has = (part: BenchPart) => r.parts.includes(part)
  const lines = [head]
  if (has('pull'))
    lines.push(
      r.pullMiB > 0
        ? `  one holder, no rate limit, ${r.pullMiB} MiB: raw libp2p stream between the two processes (TCP, noise, yamux) ${r.rawMiBs.toFixed(1)} MiB/s; pull ${r.pullMiBs.toFixed(1)} MiB/s = ${pct(r.pullRatio)} of it (target >= 50%)`
        : '  one holder, no rate limit: skipped (pullMiB 0)',
    )
  if (has('api') && r.pullMiB > 0)
    lines.push(
      `  through an API, no rate limit, ${r.pullMiB} MiB (curl): holder's own cat ${r.apiOwnMiBs.toFixed(1)} MiB/s; cat of a node that pulls from it ${r.apiOtherMiBs.toFixed(1)} MiB/s = ${pct(r.apiRatio)} of it (target >= 60%)`,
      ...(has('pull')
        ? [
            // Any pull over one connection is bound by the raw stream; say how far that bound is from the target.
            `  bound: the raw libp2p stream is ${pct(r.rawMiBs / r.apiOwnMiBs)} of the holder's own cat, so no pull over one connection reaches 60% here; the pulling node's cat is ${pct(r.apiOtherMiBs / r.pullMiBs)} of the in-process pull (the API's own cost)`,
          ]
        : []),
    )
  if (has('incentive'))
    lines.push(
      `  incentive: ${r.files} files of ${r.fileMiB} MiB pulled one after another; two holders upload at ${r.fastMbit} Mbit/s, one at ${r.fastMbit / 10} Mbit/s`,
      `  slow holder's share of the blocks, per file: ${r.slowShare.map(pct).join(' ')}`,
      `  seconds per file: ${r.fileSeconds.map((s) => s.toFixed(2)).join(' ')}`,
      `  after the first 5 files: ${pct(r.slowShareAfter5)} of the blocks overall, at most ${pct(Math.max(...late))} of any file (target < 10% for every file): ${ok ? 'met' : 'NOT met'}`,
    )
  if (has('three'))
    lines.push(
      `  three holders against one (each uploads at ${r.rateMbit} Mbit/s = ${((r.rateMbit * 1e6) / 8 / MiB).toFixed(1)} MiB/s), ${r.bigMiB} MiB file: one holder ${r.oneMiBs.toFixed(1)} MiB/s, three ${r.threeMiBs.toFixed(1)} MiB/s, ratio ${r.ratio.toFixed(2)} (target >= 1.5)`,
    )
  return lines.join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { rounds: { type: 'string' }, files: { type: 'string' }, 'pull-mib': { type: 'string' }, parts: { type: 'string' } },
  })
  const parts = values.parts?.split(',').map((p) => p.trim())
  const unknown = parts?.filter((p) => !(BENCH_PARTS as readonly string[]).includes(p))
  if (unknown !== undefined && unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}: the parts are ${BENCH_PARTS.join(', ')}`)
  const pullMiB = values['pull-mib'] === undefined ? {} : { pullMiB: Number(values['pull-mib']) }
  const rounds = values.rounds === undefined ? {} : { rounds: Number(values.rounds) }
  const files = values.files === undefined ? {} : { files: Number(values.files) }
  const chosen = parts === undefined ? {} : { parts: parts as BenchPart[] }
  console.log(formatRetrievalHoldersBench(await runRetrievalHoldersBench({ ...rounds, ...files, ...pullMiB, ...chosen })))
}
