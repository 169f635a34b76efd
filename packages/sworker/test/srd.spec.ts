import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { defaultSrdReserveBytes, devAttestationAuthority, SRD_DIR, SrdError, Sworker } from '../src/index.js'
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

  it('behavior: each chunk of a new unit is released once written (its memory goes back at once, not at a later collection)', async () => {
    const tmp = tempDir()
    const sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: 8 * MiB })
    try {
      const handed: Uint8Array[] = []
      const srdData = sworker.enclave.srdData.bind(sworker.enclave)
      sworker.enclave.srdData = (unitId, offset, length) => {
        const data = srdData(unitId, offset, length)
        handed.push(data)
        return data
      }
      await sworker.srd.change(1)
      assert.equal(handed.length, 2, 'two chunks of 4 MiB')
      assert.ok(handed.every((chunk) => chunk.buffer instanceof ArrayBuffer && chunk.buffer.detached))
      // and the unit's content is still the enclave's keystream
      sworker.enclave.srdData = srdData
      const unit = sworker.srd.list()[0]!
      assert.equal(await sworker.srd.verifyUnit(unit.id), true)
      const content = fs.readFileSync(path.join(tmp.dir, SRD_DIR, `${unit.id}.srd`))
      assert.deepEqual(new Uint8Array(content.subarray(MiB, MiB + 64)), srdData(Buffer.from(unit.id, 'hex'), MiB, 64))
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

  it('behavior: growth is bounded by free disk above the reserve (injected free space)', async () => {
    const tmp = tempDir()
    const reserve = 4 * MiB
    // A disk with room for 2.5 units above the reserve; each unit written takes its size from it.
    const disk = reserve + 2.5 * MiB
    /** Figures to answer before going back to the disk model. */
    const script: number[] = []
    let sworker: Sworker | undefined
    const freeSpace = async () => script.shift() ?? disk - Number(sworker?.srd.size() ?? 0n)
    sworker = await Sworker.open({
      dataDir: tmp.dir,
      authority: devAttestationAuthority(),
      srdUnitSize: MiB,
      srdReserveBytes: reserve,
      srdFreeSpace: freeSpace,
    })
    try {
      assert.deepEqual(await sworker.srd.room(), { availableBytes: reserve + 2.5 * MiB, reserveBytes: reserve, unitSize: MiB, maxUnits: 2 })
      await assert.rejects(sworker.srd.change(3), (err: unknown) => {
        assert.ok(err instanceof SrdError)
        assert.equal(err.code, 'SWORKER_ERROR_SRD_NO_ROOM')
        assert.match(err.message, /room for 2 \(/)
        assert.equal(err.meta?.maxUnits, 2)
        assert.equal(err.meta?.added, 0)
        return true
      })
      assert.equal(sworker.srd.size(), 0n, 'refused whole: nothing added')
      assert.deepEqual(await sworker.srd.change(2), { added: 2, removed: 0 })
      await assert.rejects(sworker.srd.change(1), (err: unknown) => err instanceof SrdError && err.code === 'SWORKER_ERROR_SRD_NO_ROOM')
      assert.deepEqual(await sworker.srd.change(-1), { added: 0, removed: 1 }, 'shrinking is never bounded')
      // Files fill the disk while SRD grows: it stops at the reserve, reporting what it added.
      script.push(reserve + 2 * MiB, reserve + 0.5 * MiB)
      await assert.rejects(
        sworker.srd.change(2),
        (err: unknown) => err instanceof SrdError && err.code === 'SWORKER_ERROR_SRD_NO_ROOM' && err.meta?.added === 1,
      )
      assert.equal(sworker.srd.size(), 2n * BigInt(MiB))
    } finally {
      await sworker.close()
      tmp.remove()
    }
  })

  it('behavior: concurrent changes run one after another, so together they cannot pass the bound', async () => {
    const tmp = tempDir()
    let sworker: Sworker | undefined
    const freeSpace = async () => 8 * MiB + 3 * MiB - Number(sworker?.srd.size() ?? 0n)
    sworker = await Sworker.open({
      dataDir: tmp.dir,
      authority: devAttestationAuthority(),
      srdUnitSize: MiB,
      srdReserveBytes: 8 * MiB,
      srdFreeSpace: freeSpace,
    })
    try {
      const results = await Promise.allSettled([sworker.srd.change(2), sworker.srd.change(2)])
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected'],
      )
      assert.equal(sworker.srd.size(), 2n * BigInt(MiB))
    } finally {
      await sworker.close()
      tmp.remove()
    }
  })

  it('behavior: the default reserve is one unit, at least 1 GiB', () => {
    assert.equal(defaultSrdReserveBytes(MiB), 1024 * MiB)
    assert.equal(defaultSrdReserveBytes(1024 * MiB), 1024 * MiB)
    assert.equal(defaultSrdReserveBytes(32 * 1024 * MiB), 32 * 1024 * MiB)
  })
})
