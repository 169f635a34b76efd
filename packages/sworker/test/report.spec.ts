import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sworkWire } from '@crust-ts/protocol'
import fc from 'fast-check'
import { blockstoreBlockSource, devAttestationAuthority, Sworker } from '../src/index.js'
import { fileBytes, importFile, suiteSworker, tempDir } from './fixtures/dag.js'
import { verifySworker } from './fixtures/verify.js'

describe('work report', () => {
  const suite = suiteSworker()
  const slotHash = new Uint8Array(32).fill(0xab)

  it('behavior: a report is signed over Crust payload and verifies with the enclave key', async () => {
    const { blockstore, cid } = await importFile(fileBytes(700 * 1024, 'r1'))
    const record = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore), { cBlockNum: 7 })
    await suite.sworker.srd.change(2)
    const report = suite.sworker.reporter.buildWorkReport({ slot: 600n, slotHash })
    assert.deepEqual(report.fields.curr_pk, suite.sworker.enclave.publicKey)
    assert.equal(report.fields.ab_upgrade_pk.length, 0)
    assert.equal(report.fields.reported_srd_size, 2n * 1024n * 1024n)
    assert.equal(report.fields.reported_files_size, BigInt(record.size))
    assert.deepEqual(report.fields.added_files, [[new TextEncoder().encode(cid.toString()), BigInt(record.size), 7n]])
    assert.deepEqual(report.fields.deleted_files, [])
    assert.equal(report.args.length, 11)
    assert.ok(verifySworker(suite.sworker.enclave.publicKey, sworkWire.workReportPayload(report.fields), report.sig))
  })

  it('behavior: altering any signed field breaks verification (property)', () => {
    const report = suite.sworker.reporter.buildWorkReport({ slot: 600n, slotHash })
    const f = report.fields
    const bytes = (b: Uint8Array) => fc.uint8Array({ minLength: 0, maxLength: 70 }).filter((x) => !Buffer.from(x).equals(Buffer.from(b)))
    const big = (v: bigint) => fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).filter((x) => x !== v)
    const file = fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.bigInt({ min: 0n, max: 2n ** 32n }))
    const alteration = fc.oneof(
      bytes(f.curr_pk).map((v) => ({ curr_pk: v })),
      bytes(f.ab_upgrade_pk).map((v) => ({ ab_upgrade_pk: v })),
      big(f.slot).map((v) => ({ slot: v })),
      bytes(f.slot_hash).map((v) => ({ slot_hash: v })),
      big(f.reported_srd_size).map((v) => ({ reported_srd_size: v })),
      big(f.reported_files_size).map((v) => ({ reported_files_size: v })),
      bytes(f.reported_srd_root).map((v) => ({ reported_srd_root: v })),
      bytes(f.reported_files_root).map((v) => ({ reported_files_root: v })),
      fc.array(file, { minLength: 1, maxLength: 3 }).map((v) => ({ added_files: [...f.added_files, ...v] })),
      fc.array(file, { minLength: 1, maxLength: 3 }).map((v) => ({ deleted_files: v })),
      fc
        .bigInt({ min: 0n, max: 2n ** 40n })
        .filter((v) => v !== f.added_files[0]![1])
        .map((v) => ({ added_files: [[f.added_files[0]![0], v, f.added_files[0]![2]] as sworkWire.ReportedFile] })),
    )
    fc.assert(
      fc.property(alteration, (change) => {
        const altered = { ...f, ...change }
        return !verifySworker(f.curr_pk, sworkWire.workReportPayload(altered), report.sig)
      }),
      { numRuns: 200 },
    )
  })

  it('behavior: an uncommitted report is rebuilt with the same delta; after commit the delta is empty and totals stay', async () => {
    const a = suite.sworker.reporter.buildWorkReport({ slot: 1200n, slotHash })
    const b = suite.sworker.reporter.buildWorkReport({ slot: 1200n, slotHash })
    assert.deepEqual(b.fields.added_files, a.fields.added_files)
    assert.equal(b.fields.added_files.length, 1)
    await suite.sworker.reporter.commitReport()
    const c = suite.sworker.reporter.buildWorkReport({ slot: 1800n, slotHash })
    assert.deepEqual(c.fields.added_files, [])
    assert.deepEqual(c.fields.deleted_files, [])
    assert.equal(c.fields.reported_files_size, a.fields.reported_files_size)
    assert.deepEqual(c.fields.reported_files_root, a.fields.reported_files_root)
    await assert.rejects(
      async () => {
        await suite.sworker.reporter.commitReport()
        await suite.sworker.reporter.commitReport()
      },
      (err: unknown) => (err as { code?: string }).code === 'SWORKER_ERROR_REPORT_NOTHING_TO_COMMIT',
    )
  })

  it('behavior: a deleted file appears in deleted_files with its reported size, and files size drops', async () => {
    const before = suite.sworker.reporter.buildWorkReport({ slot: 2400n, slotHash })
    const [cid] = suite.sworker.sealer.list().map((r) => r.cid)
    const size = BigInt(suite.sworker.sealer.get(cid!)!.size)
    assert.equal(await suite.sworker.sealer.delete(cid!), true)
    const report = suite.sworker.reporter.buildWorkReport({ slot: 2400n, slotHash })
    assert.deepEqual(report.fields.deleted_files, [[new TextEncoder().encode(cid!), size, 7n]])
    assert.equal(report.fields.reported_files_size, before.fields.reported_files_size - size)
    assert.ok(verifySworker(suite.sworker.enclave.publicKey, sworkWire.workReportPayload(report.fields), report.sig))
    await suite.sworker.reporter.commitReport()
  })
})

describe('work report: settled against the chain', () => {
  const slotHash = new Uint8Array(32).fill(0xcd)

  it('behavior: a report that landed but was never committed (a kill in between) is recorded after a restart from the files size and root on chain; the next delta is empty', async () => {
    const tmp = tempDir()
    try {
      let sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
      const { blockstore, cid } = await importFile(fileBytes(300 * 1024, 'landed'))
      await sworker.sealer.seal(cid, blockstoreBlockSource(blockstore), { cBlockNum: 3 })
      const sent = sworker.reporter.buildWorkReport({ slot: 600n, slotHash })
      assert.equal(sent.fields.added_files.length, 1)
      await sworker.close()
      sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
      try {
        const onChain = { filesSize: sent.fields.reported_files_size, filesRoot: sent.fields.reported_files_root }
        assert.equal(await sworker.reporter.reconcile(onChain), 'landed')
        const next = sworker.reporter.buildWorkReport({ slot: 1200n, slotHash })
        assert.deepEqual(next.fields.added_files, [], 'the landed file is not added again (the chain would refuse: IllegalFilesTransition)')
        assert.equal(next.fields.reported_files_size, sent.fields.reported_files_size)
        assert.equal(await sworker.reporter.reconcile(onChain), 'landed', 'the empty delta leads to the same size and root')
      } finally {
        await sworker.close()
      }
    } finally {
      tmp.remove()
    }
  })

  it('behavior: a report the chain does not hold is dropped and built again with the same delta', async () => {
    const tmp = tempDir()
    const sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
    try {
      const { blockstore, cid } = await importFile(fileBytes(200 * 1024, 'dropped'))
      await sworker.sealer.seal(cid, blockstoreBlockSource(blockstore), { cBlockNum: 4 })
      const sent = sworker.reporter.buildWorkReport({ slot: 600n, slotHash })
      assert.equal(await sworker.reporter.reconcile(undefined), 'dropped', 'no report on chain')
      assert.equal(await sworker.reporter.reconcile(undefined), 'none', 'nothing pending once dropped')
      const again = sworker.reporter.buildWorkReport({ slot: 1200n, slotHash })
      assert.deepEqual(again.fields.added_files, sent.fields.added_files)
      const stale = { filesSize: 0n, filesRoot: new Uint8Array(32) }
      assert.equal(await sworker.reporter.reconcile(stale), 'dropped', 'the chain holds an older report')
    } finally {
      await sworker.close()
      tmp.remove()
    }
  })
})
