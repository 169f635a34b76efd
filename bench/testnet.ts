/**
 * A network of hosts (issue #21): `crust testnet` with 4 validators and 3 storage nodes, each in its
 * own network namespace, measured twice in one run: with links of 80 ± 20 ms one-way latency and 1 %
 * loss, and, as the anchor, the same network whose links add nothing (still relayed by the same link
 * proxies, so the difference between the two is what latency and loss cost, not the relaying).
 *
 * Per network:
 * - time to finality: a block first seen as best on validator-1 until it is seen finalized there
 *   (median and p95 over `finalitySeconds`);
 * - transfers/s: pre-signed transfers from 6 senders submitted round-robin to the 4 validators,
 *   counted in the blocks from the first that holds any to the last (median of `rounds` rounds);
 * - order → 3 replicas: a `fileMib` MiB file added through storage node A's IPFS API and ordered
 *   (//Ferdie); the time from the order's inclusion until 3 replicas are reported (median of
 *   `files` files). The report slot is 10 blocks here (a chain spec of the bench's own), so up to
 *   10 s of it is waiting for the slot, in both networks alike.
 * Needs root (network namespaces). Absolute figures, each printed beside the anchor's with the ratio.
 *
 * Alone (after `npx tsc -b bench`): `npx node bench/dist/testnet.js [--rounds 3] [--files 3] [--transfers 1500]`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { builtinSpec } from '@crust-ts/chain'
import { addToIpfs, placeOrder, waitForReplicas } from '@crust-ts/sdk'
import { netnsUnavailable, startTestnet, type TestnetProcess } from '@crust-ts/testkit'

export interface LinkProfile {
  name: string
  latencyMs: number
  jitterMs: number
  lossPercent: number
}

export interface NetworkFigures {
  profile: LinkProfile
  finality: { samples: number; medianMs: number; p95Ms: number }
  transfers: { rounds: number[]; medianPerSecond: number; included: number; submitted: number }
  replicas: { mib: number; ms: number[]; medianMs: number }
}

export interface TestnetBenchOptions {
  finalitySeconds?: number
  rounds?: number
  transfers?: number
  files?: number
  fileMib?: number
}

export const PROFILES: LinkProfile[] = [
  { name: 'links adding nothing (anchor)', latencyMs: 0, jitterMs: 0, lossPercent: 0 },
  { name: '80 ± 20 ms, 1 % loss', latencyMs: 80, jitterMs: 20, lossPercent: 1 },
]

const REPORT_SLOT = 10
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN
const median = (xs: number[]) => quantile(xs, 0.5)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function rpc<T>(ws: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(ws.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  })
  const body = (await res.json()) as { result?: T; error?: { message: string } }
  if (body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? 'no result'}`)
  return body.result
}

const bestNumber = async (ws: string) => Number.parseInt((await rpc<{ number: string }>(ws, 'chain_getHeader')).number, 16)
const numberOf = async (ws: string, hash: string) => Number.parseInt((await rpc<{ number: string }>(ws, 'chain_getHeader', [hash])).number, 16)

async function timeToFinality(ws: string, seconds: number): Promise<number[]> {
  const seen = new Map<number, number>()
  const samples: number[] = []
  let finalized = await numberOf(ws, await rpc<string>(ws, 'chain_getFinalizedHead'))
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    const now = Date.now()
    for (let n = await bestNumber(ws); n > finalized && !seen.has(n); n--) seen.set(n, now)
    const f = await numberOf(ws, await rpc<string>(ws, 'chain_getFinalizedHead'))
    for (let n = finalized + 1; n <= f; n++) {
      const at = seen.get(n)
      if (at !== undefined) samples.push(now - at)
    }
    finalized = Math.max(finalized, f)
    await sleep(50)
  }
  return samples
}

/** One round: `count` transfers signed ahead, submitted round-robin; extrinsics/s from the first block holding one to the last. */
async function transferRound(api: ApiPromise, validators: string[], count: number): Promise<{ perSecond: number; included: number }> {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
  const senders = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((n) => keyring.addFromUri(`//${n}`))
  const dest = keyring.addFromUri('//Bench').address
  const perSender = Math.ceil(count / senders.length)
  const signed: string[] = []
  for (const pair of senders) {
    const nonce = (await api.rpc.system.accountNextIndex(pair.address)).toNumber()
    for (let i = 0; i < perSender; i++)
      signed.push((await api.tx.balances.transferKeepAlive(dest, 1_000_000_000n).signAsync(pair, { nonce: nonce + i, era: 0 })).toHex())
  }
  const reader = validators[0]!
  let next = (await bestNumber(reader)) + 1
  // Submitted 32 at a time per validator: the RPC answers each once the pool has checked it.
  const queues = validators.map((ws, v) => signed.filter((_, i) => i % validators.length === v).map((xt) => ({ ws, xt })))
  const submitting = Promise.all(
    queues.map(async (queue) => {
      for (let i = 0; i < queue.length; i += 32) await Promise.allSettled(queue.slice(i, i + 32).map(({ ws, xt }) => rpc(ws, 'author_submitExtrinsic', [xt])))
    }),
  )
  let included = 0
  let first: number | undefined
  let last = 0
  const deadline = Date.now() + 300_000
  while (included < signed.length && Date.now() < deadline) {
    if ((await bestNumber(reader)) < next) {
      await sleep(100)
      continue
    }
    // The best chain's block at that height (a rare fork switch under loss may miscount one block).
    const hash = await rpc<string>(reader, 'chain_getBlockHash', [next])
    const block = await rpc<{ block: { extrinsics: string[] } }>(reader, 'chain_getBlock', [hash])
    // Only the load's transfers: the nodes' own extrinsics (work reports, heartbeats) share the blocks.
    const txs = block.block.extrinsics.filter((x) => {
      const { method } = api.createType('Extrinsic', x)
      return method.section === 'balances' && method.method === 'transferKeepAlive'
    }).length
    if (txs > 0) {
      first ??= Date.now()
      included += txs
      last = Date.now()
    }
    next++
  }
  await submitting
  const seconds = first === undefined ? Number.NaN : Math.max(1, last - first + 1000) / 1000
  return { perSecond: included / seconds, included }
}

async function orderToReplicas(api: ApiPromise, ipfsApi: string, dir: string, mib: number, i: number): Promise<number> {
  const file = join(dir, `file-${i}.bin`)
  writeFileSync(file, randomBytes(mib * 2 ** 20))
  const added = await addToIpfs(file, { ipfsApi })
  const ferdie = new Keyring({ type: 'sr25519', ss58Format: 66 }).addFromUri('//Ferdie')
  await placeOrder(api, ferdie, { cid: added.cid, size: added.cumulativeSize, ...(added.contentRoot === undefined ? {} : { root: added.contentRoot }) })
  const included = Date.now()
  await waitForReplicas(api, added.cid, { replicas: 3, timeoutMs: 600_000 })
  return Date.now() - included
}

async function measure(profile: LinkProfile, opts: Required<TestnetBenchOptions>, log: (line: string) => void): Promise<NetworkFigures> {
  const base = mkdtempSync(join(tmpdir(), 'crust-testnet-bench-'))
  let net: TestnetProcess | undefined
  let api: ApiPromise | undefined
  try {
    const spec = join(base, 'local.json')
    writeFileSync(spec, JSON.stringify({ ...builtinSpec('local')!, runtime: { reportSlot: REPORT_SLOT, fileDuration: 3600, eraLength: 3600 } }))
    net = await startTestnet(join(base, 'net'), [
      '--chain',
      spec,
      '--validators',
      '4',
      '--storage-nodes',
      '3',
      '--no-gateway',
      '--latency',
      String(profile.latencyMs),
      '--jitter',
      String(profile.jitterMs),
      '--loss',
      String(profile.lossPercent),
      '--seed',
      '21',
    ])
    const validators = net.info.validators.map((v) => v.rpc)
    // Past the first blocks (connections, first finality rounds) before anything is timed.
    while ((await numberOf(validators[0]!, await rpc<string>(validators[0]!, 'chain_getFinalizedHead'))) < 3) await sleep(500)
    log(`testnet bench: ${profile.name}: network up; time to finality for ${opts.finalitySeconds} s`)
    const ttf = await timeToFinality(validators[0]!, opts.finalitySeconds)
    api = await ApiPromise.create({ provider: new WsProvider(validators[0]!) as unknown as ApiOptions['provider'], noInitWarn: true } as ApiOptions)
    const rounds: Array<{ perSecond: number; included: number }> = []
    for (let r = 0; r < opts.rounds; r++) {
      rounds.push(await transferRound(api, validators, opts.transfers))
      log(`testnet bench: ${profile.name}: transfers round ${r + 1}: ${rounds.at(-1)!.perSecond.toFixed(0)}/s`)
    }
    const replicaMs: number[] = []
    for (let i = 0; i < opts.files; i++) {
      replicaMs.push(await orderToReplicas(api, net.info.storageNodes[0]!.ipfsApi, base, opts.fileMib, i))
      log(`testnet bench: ${profile.name}: file ${i + 1}: order → 3 replicas ${(replicaMs.at(-1)! / 1000).toFixed(1)} s`)
    }
    const mid = [...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)]!
    return {
      profile,
      finality: { samples: ttf.length, medianMs: median(ttf), p95Ms: quantile(ttf, 0.95) },
      transfers: { rounds: rounds.map((r) => r.perSecond), medianPerSecond: mid.perSecond, included: mid.included, submitted: opts.transfers },
      replicas: { mib: opts.fileMib, ms: replicaMs, medianMs: median(replicaMs) },
    }
  } finally {
    await api?.disconnect().catch(() => {})
    await net?.stop()
    rmSync(base, { recursive: true, force: true })
  }
}

export async function runTestnetBench(options: TestnetBenchOptions = {}, log: (line: string) => void = () => {}): Promise<NetworkFigures[] | string> {
  const unavailable = await netnsUnavailable()
  if (unavailable !== undefined) return `testnet bench: not run: ${unavailable}`
  await cryptoWaitReady()
  const opts: Required<TestnetBenchOptions> = {
    finalitySeconds: options.finalitySeconds ?? 60,
    rounds: options.rounds ?? 3,
    transfers: options.transfers ?? 1500,
    files: options.files ?? 3,
    fileMib: options.fileMib ?? 10,
  }
  const figures: NetworkFigures[] = []
  for (const profile of PROFILES) figures.push(await measure(profile, opts, log))
  return figures
}

export function formatTestnetBench(result: NetworkFigures[] | string): string {
  if (typeof result === 'string') return result
  const [anchor, wan] = result
  if (anchor === undefined || wan === undefined) return 'testnet bench: incomplete'
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`
  const line = (f: NetworkFigures) =>
    `  ${f.profile.name}: finality median ${f.finality.medianMs.toFixed(0)} ms, p95 ${f.finality.p95Ms.toFixed(0)} ms (${f.finality.samples} blocks); ` +
    `transfers ${f.transfers.medianPerSecond.toFixed(0)}/s (median of ${f.transfers.rounds.map((x) => x.toFixed(0)).join(', ')}; ${f.transfers.included}/${f.transfers.submitted} included); ` +
    `order → 3 replicas of ${f.replicas.mib} MiB ${(f.replicas.medianMs / 1000).toFixed(1)} s (median of ${f.replicas.ms.map((x) => (x / 1000).toFixed(1)).join(', ')} s)`
  return [
    'testnet: 4 validators and 3 storage nodes, each its own host (network namespaces), absolute figures; the anchor is the same network whose links add nothing',
    line(anchor),
    line(wan),
    `  with latency and loss against the anchor: finality median ${ratio(wan.finality.medianMs, anchor.finality.medianMs)}, p95 ${ratio(wan.finality.p95Ms, anchor.finality.p95Ms)}; ` +
      `transfers/s ${ratio(wan.transfers.medianPerSecond, anchor.transfers.medianPerSecond)}; order → 3 replicas ${ratio(wan.replicas.medianMs, anchor.replicas.medianMs)}`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const num = (flag: string) => {
    const at = args.indexOf(flag)
    return at >= 0 ? Number(args[at + 1]) : undefined
  }
  const options: TestnetBenchOptions = {}
  for (const [flag, key] of [
    ['--rounds', 'rounds'],
    ['--files', 'files'],
    ['--transfers', 'transfers'],
    ['--finality-seconds', 'finalitySeconds'],
  ] as const) {
    const value = num(flag)
    if (value !== undefined) options[key] = value
  }
  console.log(formatTestnetBench(await runTestnetBench(options, (l) => console.log(l))))
}
