/**
 * The chaos run as one test, CI-sized: `npm run chaos:ci` (root, network namespaces; CHAOS_MINUTES,
 * default 5, and CHAOS_SEED to replay). Named neither *.spec nor *.e2e, so `npm test` does not run
 * it: what it adds to CI's time (the minutes, plus about 3 for the testnet's start and the checks
 * after the faults) is the lead's call. Passes only if every invariant held; prints the seed, the
 * invariant lines and the report's path.
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { it } from 'node:test'
import { runChaos } from '../src/chaos/run.js'

const minutes = Number(process.env.CHAOS_MINUTES ?? 5)
const seed = process.env.CHAOS_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.CHAOS_SEED)

it(`behavior: a ${minutes}-minute chaos run (seed ${seed}) on 4 validators, 3 storage nodes and a gateway keeps every invariant`, async () => {
  const { invariants, reportPath } = await runChaos({
    minutes,
    seed,
    validators: 4,
    storageNodes: 3,
    latencyMs: 80,
    jitterMs: 20,
    lossPercent: 1,
    gateway: true,
    smallDiskBytes: 2048 * 2 ** 20,
    maxClockOffsetMs: 4000,
    rssLimitBytes: 1024 * 2 ** 20,
    reportDir: process.env.CHAOS_REPORT_DIR ?? '.',
    filePauseMs: 5000,
    print: (line) => process.stdout.write(`${line}\n`),
  })
  for (const r of invariants) process.stdout.write(`invariant ${r.held ? 'held  ' : 'BROKEN'} ${r.name}: ${r.detail}\n`)
  process.stdout.write(`chaos: report ${reportPath}\n`)
  assert.deepEqual(
    invariants.filter((r) => !r.held).map((r) => `${r.name}: ${r.detail}`),
    [],
    `seed ${seed}`,
  )
})
