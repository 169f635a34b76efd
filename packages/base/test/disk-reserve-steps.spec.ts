/**
 * How far ahead the disk reserve allocates: each top-up is a `fallocate` process, so during a burst
 * of writes each one allocates twice the room of the one before, and apart from bursts each
 * allocates the headroom. Uses a real file in a temporary folder (`fallocate --keep-size` on it) and
 * a fake clock; the writes are only admitted and counted in flight, never made.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { appendedEntryCost, BURST_WINDOW_MS, DiskReserve, reserveWrites } from '../src/disk-reserve.js'

const MiB = 2 ** 20
const HEADROOM = MiB
const hasFallocate = spawnSync('fallocate', ['--version']).status === 0

/** Admits `count` writes of 256 KiB to a fresh reserve, the clock moving `gapMs` before each; the room each top-up allocated past what was admitted. */
async function stepsOf(count: number, gapMs: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'disk-reserve-steps-'))
  try {
    let clock = 0
    // the data file as LMDB leaves it on open (fallocate needs it to exist)
    writeFileSync(join(dir, 'data.mdb'), '')
    const warnings: string[] = []
    const reserve = DiskReserve.forLmdb(dir, { headroomBytes: HEADROOM, now: () => clock, warn: (m) => warnings.push(m) })
    const never = new Promise<void>(() => {})
    const steps: number[] = []
    let admitted = 0
    let allocated = reserve.allocatedBytes
    for (let i = 0; i < count; i++) {
      clock += gapMs
      const bytes = 256 * 1024
      reserve.admit(bytes)
      void reserve.track(bytes, never)
      admitted += bytes
      const deadline = Date.now() + 10_000
      while (reserve.toppingUp) {
        if (Date.now() > deadline) throw new Error('a top-up did not end within 10 s')
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (reserve.allocatedBytes !== allocated) {
        allocated = reserve.allocatedBytes
        // the room past the writes admitted and the commit margin (2 MiB)
        steps.push(allocated - admitted - 2 * MiB)
      }
    }
    assert.deepEqual(warnings, [])
    return steps
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('disk reserve top-up steps', { skip: hasFallocate ? false : 'needs fallocate (util-linux)' }, () => {
  it('behavior: within a burst each top-up allocates twice the room of the one before', async () => {
    const steps = await stepsOf(64, 1)
    assert.deepEqual(steps, [2 * MiB, 4 * MiB, 8 * MiB, 16 * MiB])
  })

  it('behavior: top-ups further apart than the burst window each allocate the headroom', async () => {
    const steps = await stepsOf(64, BURST_WINDOW_MS)
    assert.ok(steps.length >= 10, `only ${steps.length} top-ups`)
    assert.ok(
      steps.every((s) => s === HEADROOM),
      `steps ${steps.map((s) => s / MiB).join(', ')} MiB`,
    )
  })

  it('behavior: appended puts in one transaction are counted by their bytes, other puts with a page each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disk-reserve-append-'))
    try {
      writeFileSync(join(dir, 'data.mdb'), '')
      const reserve = DiskReserve.forLmdb(dir, { headroomBytes: HEADROOM, now: () => 0 })
      // A stand-in for an lmdb database: the reserve only sees the calls.
      const db = reserveWrites({ putSync: (..._args: unknown[]) => true, transactionSync: <T>(fn: () => T): T => fn() }, reserve)
      const value = new Uint8Array(100)
      const key = (i: number) => Uint8Array.of(i >> 16, (i >> 8) & 0xff, i & 0xff)
      const settle = async () => {
        while (reserve.toppingUp) await new Promise((resolve) => setImmediate(resolve))
      }
      const start = reserve.allocatedBytes
      db.transactionSync(() => {
        for (let i = 0; i < 20_000; i++) db.putSync(key(i), value, { append: true })
      })
      await settle()
      const appended = reserve.allocatedBytes - start
      // 20,000 × (3 + 100 + 64) bytes ≈ 3.2 MiB admitted; the room past it is the headroom, the commit margin and burst steps.
      assert.ok(appended < 24 * MiB, `appends reserved ${(appended / MiB).toFixed(1)} MiB`)
      db.transactionSync(() => {
        for (let i = 0; i < 20_000; i++) db.putSync(key(i), value)
      })
      await settle()
      assert.ok(reserve.allocatedBytes - start - appended >= 20_000 * 4096, 'a random put may copy a page: it is counted so')
      // 1.5 KiB values stay on the leaf pages (counted by their bytes), 5 KiB ones take two overflow pages each.
      assert.equal(appendedEntryCost(key(0), new Uint8Array(1536)), 3 + 1536 + 64)
      assert.equal(appendedEntryCost(key(0), new Uint8Array(5000)), 3 + 64 + 2 * 4096)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('behavior: pages a long transaction writes before its commit are not counted twice (its admitted bytes and the grown file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disk-reserve-spill-'))
    try {
      const file = join(dir, 'data.mdb')
      writeFileSync(file, '')
      let clock = 0
      const reserve = DiskReserve.forLmdb(dir, { headroomBytes: HEADROOM, now: () => clock })
      // A stand-in for an lmdb database whose transaction spills each appended page to the file at once.
      const page = new Uint8Array(4096 - 200)
      const db = reserveWrites(
        {
          putSync: (_key: unknown, value: Uint8Array, _options?: unknown) => {
            appendFileSync(file, new Uint8Array(4096))
            return value.length > 0
          },
          transactionSync: <T>(fn: () => T): T => fn(),
        },
        reserve,
      )
      db.transactionSync(() => {
        for (let i = 0; i < 16_384; i++) {
          clock += BURST_WINDOW_MS + 1 // apart from bursts: each top-up allocates the headroom
          db.putSync(Uint8Array.of(i >> 8, i & 0xff), page, { append: true })
        }
      })
      while (reserve.toppingUp) await new Promise((resolve) => setImmediate(resolve))
      const written = statSync(file).size
      assert.equal(written, 64 * MiB)
      assert.ok(reserve.allocatedBytes >= written, 'every page written was reserved first')
      assert.ok(reserve.allocatedBytes < written + 8 * MiB, `reserved ${(reserve.allocatedBytes / MiB).toFixed(1)} MiB for ${written / MiB} MiB written`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
