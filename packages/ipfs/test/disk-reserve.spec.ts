/**
 * The disk reserve keeps lmdb-js from ever writing into a full disk (its native code corrupts its
 * heap there and the process aborts): on a small tmpfs that another process fills again and again,
 * writes that would not fit are refused with DISK_ERROR_FULL, nothing else fails, the process
 * lives, every acknowledged write reads back, and writing resumes whenever space is freed.
 * Needs root to mount (in CI it always runs).
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { entryCost } from '@crust-ts/base'

const CHILD = fileURLToPath(new URL('./fixtures/disk-fill-writer.js', import.meta.url))
const root = process.getuid?.() === 0

describe('disk reserve', () => {
  it('behavior: a put is counted at its bytes plus a page, a JSON value at its text', () => {
    assert.equal(entryCost(new Uint8Array(32), new Uint8Array(1000)), 32 + 1000 + 4096)
    assert.equal(entryCost(['tasks', 'bafy'], { status: 'sealed' }), 5 + 4 + JSON.stringify({ status: 'sealed' }).length + 4096)
    assert.equal(entryCost(new Uint8Array(8)), 8 + 4096)
  })

  it('error: on a disk filled again and again, writes are refused with DISK_ERROR_FULL, none fails otherwise, the process lives and every acknowledged write reads back', {
    skip: root || process.env.CI === 'true' ? false : 'needs root to mount a small tmpfs',
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'disk-reserve-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${64 * 2 ** 20}`, 'disk-reserve', dir])
    try {
      const run = spawnSync(process.execPath, [...process.execArgv, CHILD, dir], { encoding: 'utf8', timeout: 240_000 })
      assert.equal(run.status, 0, `the writer died (signal ${run.signal}): ${run.stderr.slice(-800)}`)
      const counts = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>
      assert.equal(counts.failed, 0, `writes failed other than by refusal: ${run.stdout}`)
      assert.equal(counts.mismatched, 0, 'every acknowledged write reads back identical')
      assert.ok((counts.refused ?? 0) + (counts.txnRefused ?? 0) > 0, `the full disk refused writes: ${run.stdout}`)
      assert.ok((counts.acked ?? 0) > 100 && (counts.txnAcked ?? 0) >= 5, `writing resumed whenever space was freed: ${run.stdout}`)
    } finally {
      execFileSync('umount', [dir])
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
