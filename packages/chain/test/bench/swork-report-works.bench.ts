/**
 * Times `swork.report_works` with 300 added files (Crust's per-report limit, FILES_COUNT_LIMIT)
 * through the runtime harness: call encode/decode, P-256 signature check over the ~30 KB payload,
 * and 300 market replica upserts; each report is the first report of its own sWorker. Three cases:
 * files without orders, ordered files getting their first replica, and one set of ordered files
 * every report adds a replica to (market's cost grows with the replicas per file). Not a test; run
 * after building:
 * `npx node packages/chain/dist/test/bench/swork-report-works.bench.js [reports]`
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Keyring } from '@polkadot/keyring'
import { base58Encode, cryptoWaitReady } from '@polkadot/util-crypto'
import { sworkWire, verifySworkerSignature } from '@crust-ts/protocol'
import { FILES_COUNT_LIMIT } from '../../src/pallets/swork/index.js'
import { signed } from '../fixtures/runtime-harness.js'
import { currentSlot, openBlock, register, reportWorks, sworkHarness } from '../fixtures/swork-env.js'
import { SworkerSim } from '../fixtures/sworker-sim.js'

const { workReportPayload } = sworkWire

const REPORTS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50)
/** `--only-hundred`: just the 100-replica case (the others place 300 orders per report first, which takes minutes). */
const ONLY_HUNDRED = process.argv.includes('--only-hundred')
const WARMUP = 5

await cryptoWaitReady()
const h = await sworkHarness()
const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').publicKey
openBlock(h, 2)

/** A CIDv0 string (base58btc of a sha2-256 multihash), as bytes. */
const cidOf = (i: number, tag: string) =>
  new TextEncoder().encode(base58Encode(Uint8Array.of(0x12, 0x20, ...createHash('sha256').update(`${tag}${i}`).digest())))

type Scenario = 'fresh' | 'shared' | 'unordered'
let batch = 0

/** 300 files; with `order`, each is a placed storage order. */
function fileBatch(order: boolean): Array<[Uint8Array, bigint, bigint]> {
  const tag = `b${batch++}-`
  const files = Array.from({ length: FILES_COUNT_LIMIT }, (_, i) => [cidOf(i, tag), 1_048_576n, 1n] as [Uint8Array, bigint, bigint])
  if (order) {
    for (const [cid, size] of files) {
      const err = h.call(signed(alice), 'Market', 'place_storage_order', { cid, reported_file_size: size, tips: 0n, memo: new Uint8Array() })
      if (err !== undefined) throw new Error(`order failed: ${err.tag}`)
    }
  }
  return files
}

function run(label: string, scenario: Scenario, counts: { reports: number; warmup: number } = { reports: REPORTS, warmup: WARMUP }): void {
  const { reports: timed, warmup } = counts
  const shared = scenario === 'shared' ? fileBatch(true) : undefined
  const reports = Array.from({ length: timed + warmup }, (_, i) => {
    const who = new Uint8Array(32).fill(0x40)
    who[0] = i & 0xff
    who[1] = i >> 8
    who[2] = batch & 0xff
    const sworker = new SworkerSim()
    if (register(h, who, sworker) !== undefined) throw new Error('register failed')
    const files = shared ?? fileBatch(scenario === 'fresh')
    return { who, args: sworker.report({ ...currentSlot(h), added_files: files, reported_files_size: 300n * 1_048_576n }) }
  })
  const payloadBytes = workReportPayload(reports[0]!.args).length
  let t0 = 0
  const each: number[] = []
  reports.forEach(({ who, args }, i) => {
    if (i === warmup) t0 = performance.now()
    const start = performance.now()
    const err = reportWorks(h, who, args)
    if (i >= warmup) each.push(performance.now() - start)
    if (err !== undefined) throw new Error(`report failed: ${err.tag}`)
  })
  const perCall = ((performance.now() - t0) * 1000) / timed
  const sorted = [...each].sort((a, b) => a - b)
  const spread = `median ${sorted[Math.floor((sorted.length - 1) / 2)]!.toFixed(1)} ms, slowest ${sorted.at(-1)!.toFixed(1)} ms`
  const v0 = performance.now()
  for (const { args } of reports) verifySworkerSignature(args.curr_pk, workReportPayload(args), args.sig)
  const verify = ((performance.now() - v0) * 1000) / reports.length
  console.log(
    `${label}: ${perCall.toFixed(0)} µs per report_works (${(1e6 / perCall).toFixed(0)}/s) over ${timed} reports (${spread}); payload ${payloadBytes} B, payload + P-256 verify ${verify.toFixed(0)} µs`,
  )
}

console.log(`report_works with ${FILES_COUNT_LIMIT} added files (call encode/decode, checks, signature, replicas, work report):`)
if (!ONLY_HUNDRED) {
  run('  no orders for the files (market skips them)', 'unordered')
  run('  ordered files, first replica of each', 'fresh')
  run(`  ordered files shared by every report (replicas per file grow 1..${REPORTS + WARMUP})`, 'shared')
}
// Issue #20's case: 300 files that already have 100 replicas each (target <= 20 ms a report).
run(`  ordered files with 100 replicas each, timed from the 101st (replicas 101..${100 + REPORTS})`, 'shared', { reports: REPORTS, warmup: 100 })
