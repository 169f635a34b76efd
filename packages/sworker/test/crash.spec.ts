import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { storageProof } from '@crust-ts/protocol'
import { Bucket, devAttestationAuthority, Sworker } from '../src/index.js'
import { tempDir } from './fixtures/dag.js'

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'seal-child.js')

describe('crash', () => {
  it('behavior: SIGKILL mid-seal keeps the identity and sealed files; the half-sealed file is cleaned, never reported', async () => {
    const tmp = tempDir()
    try {
      const child = spawn(process.execPath, [CHILD, tmp.dir], { stdio: ['ignore', 'pipe', 'inherit'] })
      const exited = once(child, 'exit')
      const steps: Array<Record<string, string>> = []
      for await (const line of createInterface({ input: child.stdout })) {
        const msg = JSON.parse(line) as Record<string, string>
        steps.push(msg)
        if (msg.step === 'mid-seal') {
          child.kill('SIGKILL')
          break
        }
      }
      const [, signal] = await exited
      assert.equal(signal, 'SIGKILL')
      const pk = steps.find((s) => s.step === 'open')!.pk
      const small = steps.find((s) => s.step === 'sealed')!.cid!
      const big = steps.find((s) => s.step === 'mid-seal')!.cid!

      const sworker = await Sworker.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
      try {
        assert.equal(Buffer.from(sworker.enclave.publicKey).toString('hex'), pk, 'identity intact')
        assert.equal(sworker.sealer.get(small)!.status, 'valid')
        assert.equal(sworker.sealer.get(big), undefined, 'the half-sealed file is cleaned')
        assert.equal(sworker.sealer.verifyBlock(big, 0), undefined, 'its sealed blocks are gone')
        await assert.rejects(sworker.prover.prove(big, 0), { code: 'SWORKER_ERROR_SEAL_NOT_FOUND' }, 'no proof of the half-sealed file')
        assert.equal(
          [...sworker.store.db(Bucket.contentOffsets).getKeys({})].filter((k) => Buffer.from(k).includes(big)).length,
          0,
          'its content offsets are gone',
        )
        const tree = sworker.prover.tree(small)
        assert.ok(storageProof.verifySegmentProof(tree, 0, (await sworker.prover.prove(small, 0)).proof), 'the sealed file proves')
        let blocks = 0
        for await (const _ of sworker.sealer.unseal(small)) blocks++
        assert.equal(blocks, sworker.sealer.get(small)!.blockCount)
        const check = await sworker.checker.runIntegrityCheck(Number.POSITIVE_INFINITY)
        assert.deepEqual(check.lostFiles, [])
        const report = sworker.reporter.buildWorkReport({ slot: 600n, slotHash: new Uint8Array(32) })
        const added = report.fields.added_files.map(([cid]) => new TextDecoder().decode(cid))
        assert.deepEqual(added, [small])
      } finally {
        await sworker.close()
      }
    } finally {
      tmp.remove()
    }
  })
})
