/**
 * The disk reserve's top-up shell: `fallocate --keep-size` on real files in a temporary folder,
 * answered in the order asked, through one long-lived shell.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Preallocator } from '../src/preallocator.js'

const MiB = 2 ** 20
const hasFallocate = spawnSync('fallocate', ['--version']).status === 0
const allocate = (p: Preallocator, file: string, length: number) => new Promise<boolean>((resolve) => p.allocate(file, length, resolve))

describe('preallocator', { skip: hasFallocate ? false : 'needs fallocate (util-linux)' }, () => {
  it('behavior: allocates each file its length of blocks, its size kept, answering every request in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preallocator-'))
    const p = new Preallocator()
    try {
      const files = [1, 2, 3].map((i) => join(dir, `f${i}`))
      for (const f of files) writeFileSync(f, '')
      const missing = join(dir, 'missing', 'f')
      const answers = await Promise.all([
        allocate(p, files[0]!, 1 * MiB),
        allocate(p, missing, MiB),
        allocate(p, files[1]!, 2 * MiB),
        allocate(p, files[2]!, 3 * MiB),
      ])
      assert.deepEqual(answers, [true, false, true, true])
      files.forEach((f, i) => {
        const st = statSync(f)
        assert.equal(st.size, 0)
        assert.ok(st.blocks * 512 >= (i + 1) * MiB, `${f}: ${st.blocks * 512} bytes allocated`)
      })
    } finally {
      p.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('behavior: after close a request still allocates (fallocate on its own)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preallocator-'))
    const p = new Preallocator()
    try {
      const file = join(dir, 'f')
      writeFileSync(file, '')
      assert.equal(await allocate(p, file, MiB), true)
      p.close()
      assert.equal(await allocate(p, file, 2 * MiB), true)
      assert.ok(statSync(file).blocks * 512 >= 2 * MiB)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("behavior: the process's shared preallocator serves many files through one shell", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preallocator-'))
    const shared = Preallocator.shared()
    assert.equal(Preallocator.shared(), shared)
    const before = shared.starts
    try {
      const files = [1, 2, 3, 4].map((i) => join(dir, `f${i}`))
      for (const f of files) writeFileSync(f, '')
      assert.deepEqual(await Promise.all(files.map((f) => allocate(shared, f, MiB))), [true, true, true, true])
      assert.deepEqual(await Promise.all(files.map((f) => allocate(shared, f, 2 * MiB))), [true, true, true, true])
      for (const f of files) assert.ok(statSync(f).blocks * 512 >= 2 * MiB)
      assert.ok(shared.starts - before <= 1, `${shared.starts - before} shells started`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
