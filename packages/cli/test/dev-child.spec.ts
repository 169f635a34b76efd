/**
 * A supervised node whose log cannot be written (its disk is full: the log is /dev/full here) does
 * not take the supervisor down: the log stream's error is said on stderr and the child is watched
 * as before. On the old code the stream's unheard 'error' ended the supervisor (`crust testnet`
 * died 5 s into a chaos run's disk-full fault, leaving every node without its control).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DevChild } from '../src/commands/dev/child.js'

describe('DevChild log on a full disk', () => {
  it('error: the log fails, the supervisor does not: the child is still watched to its exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-child-'))
    try {
      symlinkSync('/dev/full', join(dir, 'node.log'))
      const child = new DevChild<unknown>({ name: 'printer', dir, args: ['--help'] }, () => {})
      // --help prints and exits without reporting ready: start fails with its own error, nothing else does.
      await assert.rejects(child.start(30_000), (err: Error & { code?: string }) => err.code === 'CLI_ERROR_DEV_START')
      assert.equal(child.running, false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
