/**
 * Consensus on loopback: four validator processes of the `local` chain at 1 s slots (the
 * consensus package's test launcher). Time to finality (first seen as best -> seen finalized on
 * node 0, median and p95), extrinsics/s included under a transfer load submitted round-robin to
 * all four nodes (median of several rounds), and the sync speed (blocks/s) of a fresh node joining afterwards.
 *
 * The load's anchor, measured first in the same run: every validator checks and executes every
 * transaction, so N validators sharing C cores can at best reach (C / N) x what one validator
 * does on one core (the chain bench's signed transfers/s, pool admission to committed block).
 *
 * Alone (after `npx tsc -b bench`): `npx node bench/dist/consensus.js [--load-only] [--transfers N] [--rounds N]`.
 */
import { readFileSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api'
import type { ApiOptions } from '@polkadot/api/types'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { runChainBench } from './chain.js'
import { loadConsensusFixture, type NodeProcess, type RpcClient } from './consensus-fixture.js'

export interface ConsensusBench {
  finality?: { samples: number; medianMs: number; p95Ms: number }
  /** The median round's load; `rounds` holds every round's extrinsics/s. */
  load: LoadRound & { rounds: number[]; cpuRounds: number[] }
  /** (cores / validators) x one validator's transfers/s on one core, measured in the same run. */
  bound: { cores: number; validators: number; singleCorePerSecond: number; perSecond: number }
  /** Blocks fetched and executed after the fresh node's RPC was up; `extrinsics` of the load among them. */
  sync?: { blocks: number; perSecond: number; extrinsics: number; startSeconds: number }
}

interface LoadRound {
  submitted: number
  accepted: number
  included: number
  perSecond: number
  seconds: number
  /** CPU time (user + system) the validator processes spent in the round, per included transaction and validator, in µs; undefined without /proc. */
  cpuMicrosPerTx?: number
}

export interface ConsensusBenchOptions {
  /** Rounds of the transfer load (default 3; the median is reported). */
  rounds?: number
  finalitySeconds?: number
  transfers?: number
  /** Only the transfer load (no time-to-finality sampling, no fresh-node sync). */
  loadOnly?: boolean
}

const AUTHORITIES = ['Alice//stash', 'Bob//stash', 'Charlie//stash', 'Dave//stash']
/** CPU seconds (user + system, all threads) a process has used, from /proc; undefined where there is none. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (USER_HZ, 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}
const cpuOfAll = (pids: Array<number | undefined>) => {
  const each = pids.map(cpuSecondsOf)
  return each.some((x) => x === undefined) ? undefined : each.reduce((a, b) => a! + b!, 0)
}
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN

export async function runConsensusBench(opts: ConsensusBenchOptions = {}): Promise<ConsensusBench> {
  await cryptoWaitReady()
  // The anchor first, while no validator competes for the cores.
  const single = await runChainBench({ kind: 'transfer', senders: 1000, perSender: 2 })
  const cores = availableParallelism()
  const bound = { cores, validators: AUTHORITIES.length, singleCorePerSecond: single.perSecond, perSecond: (cores / AUTHORITIES.length) * single.perSecond }
  const fx = await loadConsensusFixture()
  const root = fx.tempDir('crust-consensus-bench-')
  const nodes: NodeProcess[] = []
  const clients: RpcClient[] = []
  try {
    for (const key of AUTHORITIES) {
      const node = await fx.startNode(root, key.split('//')[0]!, { blockTimeMs: 1000, bootstrap: nodes.flatMap((n) => n.addrs), validatorKey: `//${key}` })
      nodes.push(node)
      clients.push(await fx.RpcClient.connect(node.rpc))
    }
    const c0 = clients[0]!
    const numberOf = async (hash: string) => Number.parseInt((await c0.call<{ number: string }>('chain_getHeader', [hash])).number, 16)
    // Time to finality.
    const seen = new Map<number, number>()
    const ttf: number[] = []
    let finalized = 0
    const until = Date.now() + (opts.loadOnly === true ? 0 : (opts.finalitySeconds ?? 40)) * 1000
    while (Date.now() < until) {
      const now = Date.now()
      const best = await c0.bestNumber()
      for (let n = best; n > 0 && !seen.has(n); n--) seen.set(n, now)
      const f = await numberOf(await c0.call<string>('chain_getFinalizedHead'))
      for (let n = finalized + 1; n <= f; n++) {
        const at = seen.get(n)
        if (at !== undefined && n > 3) ttf.push(now - at)
      }
      finalized = Math.max(finalized, f)
      await new Promise((r) => setTimeout(r, 50))
    }
    // Transfer load across the network: each round signs fresh nonces and waits for all of them in blocks.
    const loadRound = async (): Promise<LoadRound> => {
      const provider = new WsProvider(nodes[0]!.rpc) as unknown as ApiOptions['provider']
      const api = await ApiPromise.create({ provider, noInitWarn: true } as ApiOptions)
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
      const senders = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'].map((n) => keyring.addFromUri(`//${n}`))
      const dest = keyring.addFromUri('//Bench').address
      const perSender = Math.ceil((opts.transfers ?? 3000) / senders.length)
      const signed: string[] = []
      for (const pair of senders) {
        const nonce = (await api.rpc.system.accountNextIndex(pair.address)).toNumber()
        for (let i = 0; i < perSender; i++)
          signed.push((await api.tx.balances.transferKeepAlive(dest, 1_000_000_000n).signAsync(pair, { nonce: nonce + i, era: 0 })).toHex())
      }
      await api.disconnect()
      const startBlock = await c0.bestNumber()
      const validatorPids = nodes.map((n) => n.child.pid)
      const cpuBefore = cpuOfAll(validatorPids)
      // The round runs from the first submission to the block that completes it (seen within 50 ms):
      // admission, gossip and every block that carries the load, the wait for the last slot included.
      const submittedAt = Date.now()
      const outcomes = await Promise.allSettled(signed.map((xt, i) => clients[i % clients.length]!.call('author_submitExtrinsic', [xt])))
      const accepted = outcomes.filter((o) => o.status === 'fulfilled').length
      let included = 0
      let last: number | undefined
      let n = startBlock + 1
      const deadline = Date.now() + 180_000
      while (included < signed.length && Date.now() < deadline) {
        if ((await c0.bestNumber()) < n) {
          await new Promise((r) => setTimeout(r, 50))
          continue
        }
        const hash = await c0.call<string>('chain_getBlockHash', [n])
        const block = await c0.call<{ block: { extrinsics: string[] } }>('chain_getBlock', [hash])
        const txs = block.block.extrinsics.length - 1
        if (txs > 0) {
          included += txs
          last = Date.now()
        }
        n++
      }
      const loadSeconds = last === undefined ? Number.NaN : (last - submittedAt) / 1000
      const cpuAfter = cpuOfAll(validatorPids)
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? {} : { cpuMicrosPerTx: ((cpuAfter - cpuBefore) * 1e6) / included / nodes.length }
      return { submitted: signed.length, accepted, included, perSecond: included / loadSeconds, seconds: loadSeconds, ...cpu }
    }
    const rounds: LoadRound[] = []
    for (let r = 0; r < (opts.rounds ?? 3); r++) rounds.push(await loadRound())
    const load = {
      ...[...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)]!,
      rounds: rounds.map((x) => x.perSecond),
      cpuRounds: rounds.flatMap((x) => (x.cpuMicrosPerTx === undefined ? [] : [x.cpuMicrosPerTx])),
    }
    if (opts.loadOnly === true) return { load, bound }
    // A fresh node syncing: timed from its RPC being up (process start reported apart), so the rate is
    // the sync itself: fetching and executing every block, the load's transfers included.
    const head = await c0.bestNumber()
    const started = performance.now()
    const fresh = await fx.startNode(root, 'fresh', { blockTimeMs: 1000, bootstrap: nodes.flatMap((x) => x.addrs) })
    nodes.push(fresh)
    const fc = await fx.RpcClient.connect(fresh.rpc)
    clients.push(fc)
    const up = performance.now()
    const before = await fc.bestNumber()
    while ((await fc.bestNumber()) < head) await new Promise((r) => setTimeout(r, 20))
    const syncSeconds = (performance.now() - up) / 1000
    const synced = head - before
    return {
      finality: { samples: ttf.length, medianMs: quantile(ttf, 0.5), p95Ms: quantile(ttf, 0.95) },
      load,
      bound,
      sync: {
        blocks: synced,
        perSecond: synced / syncSeconds,
        extrinsics: rounds.reduce((sum, x) => sum + x.included, 0),
        startSeconds: (up - started) / 1000,
      },
    }
  } finally {
    for (const c of clients) c.close()
    for (const node of nodes) node.child.kill('SIGTERM')
    await Promise.all(nodes.map((node) => node.exited))
    rmSync(root, { recursive: true, force: true })
  }
}

export function formatConsensusBench(r: ConsensusBench): string {
  const { finality, load, bound, sync } = r
  return [
    `consensus: 4 validators at 1 s slots on loopback` +
      (finality === undefined
        ? ''
        : `: time to finality median ${finality.medianMs.toFixed(0)} ms, p95 ${finality.p95Ms.toFixed(0)} ms (${finality.samples} blocks)`),
    `  transfer load submitted round-robin to the 4 nodes (median of ${load.rounds.length} rounds: ${load.rounds.map((x) => x.toFixed(0)).join(', ')}/s): ${load.included}/${load.submitted} included (${load.accepted} accepted by RPC) in ${load.seconds.toFixed(1)} s, ${load.perSecond.toFixed(0)} extrinsics/s`,
    `  anchor: one validator on one core ${bound.singleCorePerSecond.toFixed(0)} signed transfers/s (chain bench, same run); bound for ${bound.validators} validators on ${bound.cores} cores = ${bound.cores}/${bound.validators} x that = ${bound.perSecond.toFixed(0)}/s; ratio ${((100 * load.perSecond) / bound.perSecond).toFixed(0)}% (target >= 50%)`,
    ...(load.cpuMicrosPerTx === undefined
      ? []
      : [
          `  CPU per transaction and validator in the median round: ${load.cpuMicrosPerTx.toFixed(0)} µs, ${(load.cpuMicrosPerTx / (1e6 / bound.singleCorePerSecond)).toFixed(2)}x the anchor's ${(1e6 / bound.singleCorePerSecond).toFixed(0)} µs (all rounds: ${load.cpuRounds.map((x) => x.toFixed(0)).join(', ')} µs)`,
        ]),
    ...(sync === undefined
      ? []
      : [
          `  fresh node sync: ${sync.blocks} blocks (with the load's ${sync.extrinsics} transfers) at ${sync.perSecond.toFixed(0)} blocks/s, each block fetched and executed; process start to RPC ${sync.startSeconds.toFixed(1)} s`,
        ]),
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--transfers')
  const transfers = at >= 0 ? Number(args[at + 1]) : undefined
  const ra = args.indexOf('--rounds')
  const rounds = ra >= 0 ? Number(args[ra + 1]) : undefined
  const result = await runConsensusBench({
    loadOnly: args.includes('--load-only'),
    ...(transfers === undefined ? {} : { transfers }),
    ...(rounds === undefined ? {} : { rounds }),
  })
  console.log(formatConsensusBench(result))
}
