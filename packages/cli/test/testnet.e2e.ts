/**
 * `crust testnet` without network namespaces: run as an unprivileged user, it says why in one line
 * and exits 1. What the launched network does (every node its own host behind link proxies with
 * latency and loss, finality across cuts, orders reaching 3 replicas, a clean teardown) is checked
 * by the chaos run's invariants (testkit's chaos-run.e2e), which starts the same `crust testnet`.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CLI_BIN, makeBasePath } from '@crust-ts/testkit'

describe('crust testnet: namespaces unavailable', () => {
  it('error: not root, it says so in one line and exits 1', () => {
    const base = makeBasePath()
    try {
      // The unprivileged user must be able to read the built CLI and write its (unused) base path.
      chmodSync(base.path, 0o777)
      const run = spawnSync(process.execPath, [CLI_BIN, 'testnet', '--base-path', join(base.path, 'net')], { uid: 65534, gid: 65534, encoding: 'utf8' })
      assert.equal(run.status, 1, run.stderr)
      assert.match(run.stderr, /^error: crust testnet needs network namespaces: network namespaces need root[^\n]*\(CLI_ERROR_TESTNET_NO_NETNS\)\n$/)
    } finally {
      base.remove()
    }
  })
})
