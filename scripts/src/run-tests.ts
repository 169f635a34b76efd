/**
 * `npm test`'s runner: every spec and e2e file, two at a time, the longest first. In the glob's
 * (alphabetical) order the longest e2e files came last and CI's two slots ended minutes apart.
 * Files known to be long (measured in CI, in descending order) start first, then the rest in glob
 * order. Through `run({ files })`: `node --test <files>` sorts the files it is given.
 */
import { globSync, writeSync } from 'node:fs'
import { relative } from 'node:path'
import { run } from 'node:test'
import { fileURLToPath } from 'node:url'
import { spec } from 'node:test/reporters'

const PATTERNS = ['packages/*/dist/test/**/*.spec.js', 'packages/*/dist/test/**/*.e2e.js', 'scripts/dist/test/**/*.spec.js']

/**
 * Test files over ~30 s in CI, longest first (their sources, `packages/<p>/test/<f>.ts`), except
 * console.e2e: its Chromium and the chaos run's dozen processes slowed each other (console 131 →
 * 212 s, chaos 417 → 487 s) when it started third, so it waits until the other slot has run
 * ~450 s of shorter files and starts when the chaos run ends.
 */
export const LONGEST_FIRST = [
  'testkit/chaos-run.e2e',
  'cli/storage-path.e2e',
  'cli/storage-challenges.e2e',
  'cli/dev-network.e2e',
  'cli/upload.e2e',
  'console/console.e2e',
  'cli/storage-outage.e2e',
  'consensus/finality.e2e',
  'consensus/equivocation.e2e',
  'cli/staking.e2e',
  'cli/storage-node.e2e',
  'cli/sworker.e2e',
  'cli/dev-validators.e2e',
  'consensus/state-sync.e2e',
  'cli/order-node.e2e',
  'cli/storage-follower.e2e',
  'gateway/psa-client.e2e',
  'gateway/gateway-kill.e2e',
  'consensus/session-keys.e2e',
  'cli/storage-market.e2e',
  'consensus/network.e2e',
  'cli/state-pruning.e2e',
  'consensus/rogue.e2e',
  'cli/ipfs.e2e',
  'smanager/smanager.e2e',
  'chain/chain-db-crash.spec',
]

/**
 * When each test file was first and last heard of, so that CI's log shows which files held the
 * run's two slots longest and how long the last file ran alone (what to reorder or shorten).
 */
export class FileSpans {
  private readonly spans = new Map<string, { first: number; last: number }>()
  private readonly started = performance.now()

  saw(file: string | undefined, at = performance.now()): void {
    if (file === undefined) return
    const span = this.spans.get(file)
    if (span === undefined) this.spans.set(file, { first: at, last: at })
    else span.last = Math.max(span.last, at)
  }

  /** The `top` longest files (seconds from first to last event, and when they started), then the run's end and the last file's solo tail. */
  report(top: number, now = performance.now(), root = process.cwd()): string {
    const rows = [...this.spans].map(([file, s]) => ({ file, start: s.first - this.started, seconds: (s.last - s.first) / 1000 }))
    const lines = rows
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, top)
      .map((r) => `  ${r.seconds.toFixed(1).padStart(7)} s  from ${(r.start / 1000).toFixed(0).padStart(5)} s  ${relative(root, r.file)}`)
    const ends = [...this.spans.values()].map((s) => s.last).sort((a, b) => b - a)
    const soloTail = ends.length >= 2 ? (ends[0]! - ends[1]!) / 1000 : 0
    return `\nℹ longest test files (seconds from its start to its end, its process included):\n${lines.join('\n')}\nℹ run ${((now - this.started) / 1000).toFixed(0)} s; the last file ran ${soloTail.toFixed(0)} s after the one before it ended\n`
  }
}

/** The files of `patterns`, the known-long ones first (in `longest` order), then the others as globbed. */
export function orderTestFiles(files: string[], longest: readonly string[] = LONGEST_FIRST): string[] {
  const rank = new Map(longest.map((name, i) => [name, i]))
  const key = (file: string): number | undefined => {
    const m = /^packages\/([^/]+)\/dist\/test\/(.+)\.js$/.exec(file)
    return m === null ? undefined : rank.get(`${m[1]}/${m[2]}`)
  }
  const known = files.filter((f) => key(f) !== undefined).sort((a, b) => key(a)! - key(b)!)
  return [...known, ...files.filter((f) => key(f) === undefined)]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = orderTestFiles(PATTERNS.flatMap((p) => globSync(p).sort()))
  // Each test file runs in its own process; the CLI's resolution hook takes about a quarter off
  // their start-up (see packages/cli/src/esm-resolve-cache.ts).
  const execArgv = ['--import', fileURLToPath(new URL('../../../packages/cli/dist/src/register-resolve-cache.js', import.meta.url))]
  const tests = run({ files, concurrency: 2, timeout: 300_000, execArgv })
  tests.on('test:fail', () => {
    process.exitCode = 1
  })
  const spans = new FileSpans()
  // Only these two arrive as they happen (a file's own pair brackets its process); the runner
  // holds back test:start/pass/fail of files run side by side and replays them in order.
  for (const event of ['test:dequeue', 'test:complete'] as const) {
    tests.on(event, (data: { file?: string }) => spans.saw(data.file))
  }
  tests.compose(spec).pipe(process.stdout)
  // stdout is synchronous for pipes and files, so this lands after the spec reporter's lines.
  process.on('exit', () => writeSync(1, spans.report(15)))
}
