/** `crust node` argument and chain-spec errors: exit code 1 and one readable line; what a tuning flag sets. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ChainDatabase } from '@crust-ts/chain'
import { CLI_BIN, makeBasePath, startNode } from '@crust-ts/testkit'

function crust(...args: string[]) {
  return spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: 'utf8', timeout: 60_000 })
}

describe('crust node errors', () => {
  it('error: an unknown chain name or unreadable spec file', () => {
    const r = crust('node', '--chain', 'no-such-chain', '--rpc-port', '0')
    assert.equal(r.status, 1)
    assert.match(r.stderr, /^error: --chain: "no-such-chain" is neither dev, local, nor a readable chain spec file \(CLI_ERROR_BAD_CHAIN\)\n$/)
  })

  it('error: a spec with a bad address names the JSON path', () => {
    const base = makeBasePath()
    try {
      const file = join(base.path, 'spec.json')
      writeFileSync(file, JSON.stringify({ name: 'T', id: 't', genesis: { balances: [['not-an-address', '1']], authorities: [] } }))
      const r = crust('node', '--chain', file, '--rpc-port', '0', '--base-path', base.path)
      assert.equal(r.status, 1)
      assert.match(r.stderr, /\$\.genesis\.balances\[0\]\[0\]: "not-an-address" is not a valid SS58 address/)
      assert.equal(r.stderr.trim().split('\n').length, 1)
    } finally {
      base.remove()
    }
  })

  it('error: a bad port is refused before anything starts', () => {
    const r = crust('node', '--rpc-port', '70000')
    assert.equal(r.status, 1)
    assert.match(r.stderr, /expected a port number/)
  })

  it('error: --signature-workers takes a whole number of threads; a storage node (--mode) refuses it, one line each', () => {
    for (const bad of ['-1', 'two', '1.5']) {
      const r = crust('node', '--rpc-port', '0', '--signature-workers', bad)
      assert.equal(r.status, 1, bad)
      assert.match(r.stderr, /--signature-workers.*expected a non-negative integer/)
      assert.equal(r.stderr.trim().split('\n').length, 1)
    }
    const storage = crust('node', '--mode', 'isolation', '--signature-workers', '2')
    assert.equal(storage.status, 1)
    assert.match(storage.stderr, /^error: --signature-workers is for a chain node \(without --mode\) for now \(CLI_ERROR_FLAG\)\n$/)
  })

  it("behavior: --signature-workers sets the chain node's signature threads (its start line says how many)", async () => {
    for (const count of [0, 3]) {
      const base = makeBasePath()
      const node = await startNode(base.path, ['--signature-workers', String(count)])
      try {
        const opened = node.logs.flatMap((line) => {
          try {
            const entry = JSON.parse(line) as { msg?: string; signatureWorkers?: number }
            return entry.msg === 'chain opened' ? [entry] : []
          } catch {
            return []
          }
        })
        assert.equal(opened.length, 1, node.logs.join('\n'))
        assert.equal(opened[0]!.signatureWorkers, count)
      } finally {
        node.child.kill('SIGTERM')
        await node.exited
        base.remove()
      }
    }
  })

  it('error: --pruning takes archive or a number of blocks of at least 1', () => {
    for (const bad of ['0', '-3', 'all', '1.5']) {
      const r = crust('node', '--rpc-port', '0', '--pruning', bad)
      assert.equal(r.status, 1, bad)
      assert.match(r.stderr, /--pruning.*expected 'archive' or a number of finalized blocks/)
      assert.equal(r.stderr.trim().split('\n').length, 1)
    }
  })

  it('error: --sync takes full or state; state refuses --pruning archive and a node with no peers to sync from, one line each', () => {
    const choice = crust('node', '--rpc-port', '0', '--sync', 'warp')
    assert.equal(choice.status, 1)
    assert.match(choice.stderr, /--sync.*'warp' is invalid/)
    const archive = crust('node', '--rpc-port', '0', '--sync', 'state', '--pruning', 'archive')
    assert.equal(archive.status, 1)
    assert.match(archive.stderr, /^error: --sync state: an archive node keeps every state since genesis.*\(CLI_ERROR_SYNC\)\n$/)
    const alone = crust('node', '--rpc-port', '0', '--sync', 'state')
    assert.equal(alone.status, 1)
    assert.match(alone.stderr, /^error: --sync state downloads the state from peers: give --bootnodes.*\(CLI_ERROR_SYNC\)\n$/)
  })

  it('error: --test-clock-offset-ms is refused on a live chain, and takes integers only', () => {
    const base = makeBasePath()
    try {
      const file = join(base.path, 'live.json')
      // No chainType: a chain spec is a live chain unless it says otherwise.
      writeFileSync(
        file,
        JSON.stringify({ name: 'Live T', id: 'live-t', genesis: { balances: [], authorities: ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'] } }),
      )
      const live = crust('node', '--chain', file, '--rpc-port', '0', '--base-path', join(base.path, 'db'), '--test-clock-offset-ms=1500')
      assert.equal(live.status, 1)
      assert.match(live.stderr, /^error: --test-clock-offset-ms is for test chains only; Live T is a live chain \(CLI_ERROR_TEST_ONLY\)\n$/)
      const word = crust('node', '--rpc-port', '0', '--test-clock-offset-ms=soon')
      assert.equal(word.status, 1)
      assert.match(word.stderr, /--test-clock-offset-ms.*'soon' is invalid/)
    } finally {
      base.remove()
    }
  })

  it('error: a data folder created pruned refuses --pruning archive with one line naming the fix', async () => {
    const base = makeBasePath()
    try {
      await ChainDatabase.open(join(base.path, 'chain'), { state: 'pruned' }).close()
      const r = crust('node', '--rpc-port', '0', '--base-path', base.path, '--pruning', 'archive')
      assert.equal(r.status, 1)
      assert.match(
        r.stderr,
        /^error: --pruning: the chain database is pruned; open it with --pruning <blocks> or start from a new data folder .*\(CLI_ERROR_PRUNING\)\n$/,
      )
    } finally {
      base.remove()
    }
  })
})
