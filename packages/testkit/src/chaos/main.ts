/**
 * `npm run chaos -- --minutes N [--seed S] [--validators 4] [--storage-nodes 3] [--latency 80]
 * [--jitter 20] [--loss 1] [--no-gateway] [--small-disk-mb 2048] [--rss-limit-mb 1024]
 * [--clock-skew-ms 4000] [--report-dir .] [--file-pause 5000]`: a chaos run on `crust testnet` (root). Prints the seed
 * first, one line per invariant at the end and the report's path, and exits 1 if any broke (2
 * when the run itself could not run).
 */
import { randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'
import { runChaos } from './run.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string' },
    validators: { type: 'string', default: '4' },
    'storage-nodes': { type: 'string', default: '3' },
    latency: { type: 'string', default: '80' },
    jitter: { type: 'string', default: '20' },
    loss: { type: 'string', default: '1' },
    'no-gateway': { type: 'boolean', default: false },
    // 0: no small disk, no disk faults. 2 GiB: a storage node keeps 512 MiB free (sManager's
    // reservedSpace, against free space counted in whole GB) and 1 GiB beside its SRD, so a
    // smaller disk would take no file at all. A tmpfs uses memory only for what is written.
    'small-disk-mb': { type: 'string', default: '2048' },
    'rss-limit-mb': { type: 'string', default: '1024' },
    // The largest clock skew of one validator (0: none).
    'clock-skew-ms': { type: 'string', default: '4000' },
    'report-dir': { type: 'string', default: '.' },
    'file-pause': { type: 'string', default: '5000' },
  },
})

function number(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) {
    process.stderr.write(`error: --${name}: expected a number ${min}-${max}\n`)
    process.exit(2)
  }
  return n
}

const print = (line: string) => process.stdout.write(`${line}\n`)
const seed = values.seed === undefined ? randomInt(2 ** 31) : number('seed', values.seed, 0, 2 ** 32 - 1)
try {
  const smallDiskMb = number('small-disk-mb', values['small-disk-mb'], 0, 64 * 1024)
  const { invariants: results, reportPath } = await runChaos({
    minutes: number('minutes', values.minutes, 0.5, 24 * 60),
    seed,
    validators: number('validators', values.validators, 1, 4),
    storageNodes: number('storage-nodes', values['storage-nodes'], 0, 20),
    latencyMs: number('latency', values.latency, 0, 10_000),
    jitterMs: number('jitter', values.jitter, 0, 10_000),
    lossPercent: number('loss', values.loss, 0, 100),
    gateway: !values['no-gateway'],
    ...(smallDiskMb === 0 ? {} : { smallDiskBytes: smallDiskMb * 2 ** 20 }),
    maxClockOffsetMs: number('clock-skew-ms', values['clock-skew-ms'], 0, 3_600_000),
    rssLimitBytes: number('rss-limit-mb', values['rss-limit-mb'], 1, 1024 * 1024) * 2 ** 20,
    reportDir: values['report-dir']!,
    filePauseMs: number('file-pause', values['file-pause'], 0, 3_600_000),
    print,
  })
  // The seed again next to the verdict (the first line may have scrolled far away), then one line per invariant.
  print(`chaos: ${results.filter((r) => r.held).length} of ${results.length} invariants held (seed ${seed}: replay with --seed ${seed})`)
  for (const r of results) print(`invariant ${r.held ? 'held  ' : 'BROKEN'} ${r.name}: ${r.detail}`)
  print(`chaos: report ${reportPath} (chart ${reportPath.replace(/\.json$/, '.svg')})`)
  process.exitCode = results.every((r) => r.held) ? 0 : 1
} catch (err) {
  process.stderr.write(`error: the chaos run (seed ${seed}) could not run: ${(err as Error).message.split('\n')[0]}\n`)
  process.exitCode = 2
}
// Everything it started is stopped by now; a chain client still reconnecting to a host of the gone
// network must not keep the process (and the lock a caller holds for it) alive.
process.stdout.write('', () => process.exit())
