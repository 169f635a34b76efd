import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { Bucket, blockstoreBlockSource, SRD_DIR } from '../src/index.js'
import { fileBytes, importFile, suiteSworker } from './fixtures/dag.js'

function blockKey(cid: string, index: number): Uint8Array {
  const prefix = Buffer.from(cid)
  const key = Buffer.alloc(prefix.length + 5)
  prefix.copy(key)
  key.writeUInt32BE(index, prefix.length + 1)
  return key
}

describe('integrity check', () => {
  const suite = suiteSworker()
  const slotHash = new Uint8Array(32)

  it('behavior: a corrupted sealed block makes the file lost and the next report deletes it', async () => {
    const damaged = await importFile(fileBytes(2 * 1024 * 1024, 'c1'))
    const healthy = await importFile(fileBytes(1024 * 1024, 'c2'))
    const a = await suite.sworker.sealer.seal(damaged.cid, blockstoreBlockSource(damaged.blockstore), { cBlockNum: 3 })
    const b = await suite.sworker.sealer.seal(healthy.cid, blockstoreBlockSource(healthy.blockstore), { cBlockNum: 4 })
    const first = suite.sworker.reporter.buildWorkReport({ slot: 600n, slotHash })
    assert.equal(first.fields.added_files.length, 2)
    await suite.sworker.reporter.commitReport()

    const clean = await suite.sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
    assert.deepEqual(clean.lostFiles, [])
    assert.equal(clean.checkedBlocks, a.blockCount + b.blockCount)

    // flip one byte of sealed block 5 in the file's data file on disk
    const ref = suite.sworker.store.db(Bucket.blockIndex).getBinary(blockKey(a.cid, 5))!
    const view = new DataView(ref.buffer, ref.byteOffset, ref.byteLength)
    const at = Number(view.getBigUint64(0)) + view.getUint32(8) - 100
    const fd = fs.openSync(suite.sworker.store.blockFiles.path(a.cid), 'r+')
    const byte = Buffer.alloc(1)
    fs.readSync(fd, byte, 0, 1, at)
    byte[0]! ^= 0x40
    fs.writeSync(fd, byte, 0, 1, at)
    fs.closeSync(fd)

    const result = await suite.sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
    assert.deepEqual(result.lostFiles, [a.cid])
    assert.equal(suite.sworker.sealer.get(a.cid)!.status, 'lost')
    assert.equal(suite.sworker.sealer.get(b.cid)!.status, 'valid')

    const next = suite.sworker.reporter.buildWorkReport({ slot: 1200n, slotHash })
    assert.deepEqual(next.fields.deleted_files, [[new TextEncoder().encode(a.cid), BigInt(a.size), 3n]])
    assert.deepEqual(next.fields.added_files, [])
    assert.equal(next.fields.reported_files_size, BigInt(b.size))
  })

  it('behavior: a missing sealed block is found too', async () => {
    const file = await importFile(fileBytes(1024 * 1024, 'c3'))
    const record = await suite.sworker.sealer.seal(file.cid, blockstoreBlockSource(file.blockstore))
    await suite.sworker.store.db(Bucket.blockIndex).remove(blockKey(record.cid, record.blockCount - 1))
    const result = await suite.sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
    assert.ok(result.lostFiles.includes(record.cid))
  })

  it('behavior: a missing data file makes the file lost', async () => {
    const file = await importFile(fileBytes(512 * 1024, 'c4'))
    const record = await suite.sworker.sealer.seal(file.cid, blockstoreBlockSource(file.blockstore))
    fs.rmSync(suite.sworker.store.blockFiles.path(record.cid))
    const result = await suite.sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
    assert.ok(result.lostFiles.includes(record.cid))
    assert.equal(suite.sworker.sealer.get(record.cid)!.status, 'lost')
  })

  it('behavior: random sampling checks the requested number of blocks', async () => {
    const result = await suite.sworker.checker.runIntegrityCheck(3)
    assert.equal(result.checkedBlocks, 3)
  })

  it('behavior: a damaged SRD unit is dropped and the SRD size and root change', async () => {
    await suite.sworker.srd.change(3)
    const [victim] = suite.sworker.srd.list()
    const rootBefore = suite.sworker.srd.root()
    const file = path.join(suite.dir, SRD_DIR, `${victim!.id}.srd`)
    const fd = fs.openSync(file, 'r+')
    // overwrite every sample slot's first bytes, so whichever slot the check samples differs
    for (let offset = 0; offset < 1024 * 1024; offset += 64 * 1024) fs.writeSync(fd, Buffer.alloc(16, 0xee), 0, 16, offset)
    fs.closeSync(fd)
    const result = await suite.sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
    assert.deepEqual(result.droppedUnits, [victim!.id])
    assert.equal(result.checkedUnits, 3)
    assert.equal(suite.sworker.srd.size(), 2n * 1024n * 1024n)
    assert.notDeepEqual(suite.sworker.srd.root(), rootBefore)
    assert.equal(fs.existsSync(file), false)
  })
})
