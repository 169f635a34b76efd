import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { devAttestationAuthority, SRD_DIR, SrdError, Sworker } from '../src/index.js'
import { tempDir } from './fixtures/dag.js'

const MiB = 1024 * 1024

describe('srd', () => {
  it('behavior: change up and down adjusts size and root; units are pseudo-random and verify', async () => {
    const tmp = tempDir()
    const sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: MiB })
    try {
      const empty = sworker.srd.root()
      assert.equal(sworker.srd.size(), 0n)
      assert.deepEqual(await sworker.srd.change(3), { added: 3, removed: 0 })
      assert.equal(sworker.srd.size(), 3n * BigInt(MiB))
      const three = sworker.srd.root()
      assert.notDeepEqual(three, empty)
      const units = sworker.srd.list()
      assert.equal(new Set(units.map((u) => u.hash)).size, 3, 'units differ')
      const content = fs.readFileSync(path.join(tmp.dir, SRD_DIR, `${units[0]!.id}.srd`))
      assert.equal(content.length, MiB)
      assert.notDeepEqual(content.subarray(0, 64), Buffer.alloc(64))
      for (const u of units) assert.equal(await sworker.srd.verifyUnit(u.id), true)

      assert.deepEqual(await sworker.srd.change(-1), { added: 0, removed: 1 })
      assert.equal(sworker.srd.size(), 2n * BigInt(MiB))
      const two = sworker.srd.root()
      assert.notDeepEqual(two, three)
      assert.equal(fs.readdirSync(path.join(tmp.dir, SRD_DIR)).length, 2)
      assert.deepEqual(await sworker.srd.change(-5), { added: 0, removed: 2 })
      assert.deepEqual(sworker.srd.root(), empty)
      await assert.rejects(sworker.srd.change(1.5), (err: unknown) => err instanceof SrdError && err.code === 'SWORKER_ERROR_SRD_INVALID_CHANGE')
    } finally {
      await sworker.close()
      tmp.remove()
    }
  })

  it('behavior: units survive a restart; orphan unit files are removed on open', async () => {
    const tmp = tempDir()
    try {
      let sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: MiB })
      await sworker.srd.change(2)
      const root = sworker.srd.root()
      await sworker.close()
      fs.writeFileSync(path.join(tmp.dir, SRD_DIR, 'deadbeef.srd.tmp'), Buffer.alloc(10))
      sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: MiB })
      assert.deepEqual(sworker.srd.root(), root)
      for (const u of sworker.srd.list()) assert.equal(await sworker.srd.verifyUnit(u.id), true)
      assert.equal(fs.readdirSync(path.join(tmp.dir, SRD_DIR)).length, 2)
      await sworker.close()
    } finally {
      tmp.remove()
    }
  })
})
