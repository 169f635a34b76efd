/**
 * The chaos run as one test, CI-sized: part of `npm test` (it starts first, beside the other
 * files, so its minutes overlap theirs), and alone as `npm run chaos:ci`. Needs root for the
 * network namespaces (CI runs as root; elsewhere, without them, it is skipped with the reason).
 * CHAOS_MINUTES (default 5) and CHAOS_SEED (replay) shape it, CHAOS_REPORT_DIR keeps the report.
 * Passes only if every invariant held; prints the seed, the invariant lines and the report's path.
 */
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { runChaos } from '../src/chaos/run.js'
import { netnsUnavailable } from '../src/netns/host-network.js'

// Outside CI, a machine without namespaces skips it (saying why); in CI it must run, so it fails there.
const unavailable = process.env.CI === 'true' ? undefined : await netnsUnavailable()
const minutes = Number(process.env.CHAOS_MINUTES ?? 5)
const seed = process.env.CHAOS_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.CHAOS_SEED)

it(`behavior: a ${minutes}-minute chaos run (seed ${seed}) on 4 validators, 3 storage nodes and a gateway keeps every invariant`, {
  timeout: (minutes + 15) * 60_000,
  skip: unavailable ?? false,
}, async (t) => {
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
    reportDir: process.env.CHAOS_REPORT_DIR ?? mkdtempSync(join(tmpdir(), 'chaos-report-')),
    filePauseMs: 5000,
    print: (line) => process.stdout.write(`${line}\n`),
  })
  // Diagnostics: the test reporter prints them under the test's line, in CI's log.
  for (const r of invariants) t.diagnostic(`invariant ${r.held ? 'held  ' : 'BROKEN'} ${r.name}: ${r.detail}`)
  t.diagnostic(`chaos: seed ${seed}, report ${reportPath}`)
  assert.deepEqual(
    invariants.filter((r) => !r.held).map((r) => `${r.name}: ${r.detail}`),
    [],
    `seed ${seed}`,
  )
})
