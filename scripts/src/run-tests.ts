/**
 * `npm test`'s runner: every spec and e2e file, two at a time, the longest first. In the glob's
 * (alphabetical) order the longest e2e files came last and CI's two slots ended minutes apart.
 * Files known to be long (measured in CI, in descending order) start first, then the rest in glob
 * order. Through `run({ files })`: `node --test <files>` sorts the files it is given.
 */
import { globSync } from 'node:fs'
import { run } from 'node:test'
import { fileURLToPath } from 'node:url'
import { spec } from 'node:test/reporters'

const PATTERNS = ['packages/*/dist/test/**/*.spec.js', 'packages/*/dist/test/**/*.e2e.js', 'scripts/dist/test/**/*.spec.js']

/** Test files over ~30 s in CI, longest first (their sources, `packages/<p>/test/<f>.ts`). */
export const LONGEST_FIRST = [
  'cli/storage-path.e2e',
  'cli/testnet.e2e',
  'cli/upload.e2e',
  'cli/dev-network.e2e',
  'cli/storage-challenges.e2e',
  'console/console.e2e',
  'cli/storage-outage.e2e',
  'consensus/equivocation.e2e',
  'cli/sworker.e2e',
  'cli/dev-validators.e2e',
  'cli/storage-node.e2e',
  'consensus/finality.e2e',
  'cli/storage-follower.e2e',
  'cli/staking.e2e',
  'gateway/psa-client.e2e',
  'gateway/gateway-kill.e2e',
  'cli/order-node.e2e',
  'consensus/state-sync.e2e',
  'consensus/session-keys.e2e',
  'cli/storage-market.e2e',
  'consensus/network.e2e',
  'cli/state-pruning.e2e',
  'consensus/rogue.e2e',
  'cli/ipfs.e2e',
  'smanager/smanager.e2e',
  'chain/chain-db-crash.spec',
]

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
  // Each test file runs in its own process; the CLI's resolution hook halves their start-up (see
  // packages/cli/src/esm-resolve-cache.ts).
  const execArgv = ['--import', fileURLToPath(new URL('../../../packages/cli/dist/src/register-resolve-cache.js', import.meta.url))]
  const tests = run({ files, concurrency: 2, timeout: 300_000, execArgv })
  tests.on('test:fail', () => {
    process.exitCode = 1
  })
  tests.compose(spec).pipe(process.stdout)
}
