import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { DEV_ATTESTATION_AUTHORITY_PUBLIC, DEV_ENCLAVE_CODE, storageProof, sworkWire } from '@crust-ts/protocol'
import { devAttestationAuthority, EnclaveError, IDENTITY_FILE, NODE_SECRET_FILE, publicAttestationAuthority, SoftwareEnclave } from '../src/index.js'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { tempDir } from './fixtures/dag.js'
import { verifyP1363, verifySworker } from './fixtures/verify.js'

describe('enclave', () => {
  it('behavior: the identity is created once, kept encrypted with mode 0600, and reused on restart', () => {
    const tmp = tempDir()
    try {
      const first = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() })
      assert.equal(first.created, true)
      assert.equal(first.publicKey.length, 64)
      for (const name of [NODE_SECRET_FILE, IDENTITY_FILE]) {
        assert.equal(fs.statSync(path.join(tmp.dir, name)).mode & 0o777, 0o600, `${name} mode`)
      }
      const again = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() })
      assert.equal(again.created, false)
      assert.deepEqual(again.publicKey, first.publicKey)
      // sealing keys are the same after a restart
      const cid = new Uint8Array([1, 2, 3])
      assert.deepEqual(again.unsealBlock(cid, first.sealBlock(cid, new Uint8Array([9, 9]))), new Uint8Array([9, 9]))
    } finally {
      tmp.remove()
    }
  })

  it('error: an identity without its node secret cannot be opened', () => {
    const tmp = tempDir()
    try {
      SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() })
      fs.rmSync(path.join(tmp.dir, NODE_SECRET_FILE))
      assert.throws(
        () => SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() }),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_IDENTITY_UNREADABLE',
      )
      fs.writeFileSync(path.join(tmp.dir, NODE_SECRET_FILE), Buffer.alloc(32, 7), { mode: 0o600 })
      assert.throws(
        () => SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() }),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_IDENTITY_UNREADABLE',
      )
    } finally {
      tmp.remove()
    }
  })

  it('behavior: attest gives register args the chain accepts (authority over isv_body, enclave over the binding)', async () => {
    const tmp = tempDir()
    try {
      const enclave = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() })
      const applier = new Uint8Array(32).fill(5)
      const args = await enclave.attest(applier)
      assert.deepEqual(args.ias_cert, DEV_ATTESTATION_AUTHORITY_PUBLIC)
      assert.ok(verifyP1363(DEV_ATTESTATION_AUTHORITY_PUBLIC, args.isv_body, args.ias_sig))
      const parsed = sworkWire.parseIsvBody(args.isv_body)
      assert.ok(parsed !== undefined)
      assert.deepEqual(parsed.code, new Uint8Array(DEV_ENCLAVE_CODE))
      assert.deepEqual(parsed.pubkey, enclave.publicKey)
      assert.ok(verifySworker(enclave.publicKey, sworkWire.registerPayload(args.ias_cert, args.ias_sig, args.isv_body, applier), args.sig))
      assert.ok(!verifySworker(enclave.publicKey, sworkWire.registerPayload(args.ias_cert, args.ias_sig, args.isv_body, new Uint8Array(32)), args.sig))
    } finally {
      tmp.remove()
    }
  })

  it('error: a public-only authority (production spec) cannot attest a software enclave', async () => {
    const tmp = tempDir()
    try {
      const enclave = SoftwareEnclave.open({ dataDir: tmp.dir, authority: publicAttestationAuthority(DEV_ATTESTATION_AUTHORITY_PUBLIC) })
      await assert.rejects(
        enclave.attest(new Uint8Array(32)),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_ATTESTATION_UNAVAILABLE',
      )
    } finally {
      tmp.remove()
    }
  })

  it('error: a sealed block altered or moved to another CID does not unseal', () => {
    const tmp = tempDir()
    try {
      const enclave = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority() })
      const cid = new Uint8Array([1, 2, 3])
      const sealed = enclave.sealBlock(cid, new Uint8Array(100).fill(3))
      const altered = new Uint8Array(sealed)
      altered[50]! ^= 1
      assert.throws(
        () => enclave.unsealBlock(cid, altered),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_UNSEAL_FAILED',
      )
      assert.throws(
        () => enclave.unsealBlock(new Uint8Array([1, 2, 4]), sealed),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_UNSEAL_FAILED',
      )
    } finally {
      tmp.remove()
    }
  })

  for (const sealThreads of [0, 2]) {
    it(`behavior: sealFileBlock verifies, seals and hashes a block, and its content segments when asked (sealThreads ${sealThreads})`, async () => {
      const tmp = tempDir()
      const enclave = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), sealThreads })
      try {
        const block = new Uint8Array(300 * 1024).fill(5)
        const cid = CID.createV1(0x55, await sha256.digest(block))
        const prefix = new Uint8Array([1, 2, 3])
        const sealed = await enclave.sealFileBlock(cid, block, prefix)
        assert.ok(sealed !== undefined)
        assert.deepEqual(new Uint8Array(sealed.record.subarray(0, 3)), prefix)
        assert.deepEqual(enclave.unsealBlock(cid.bytes, sealed.record.subarray(3)), block)
        assert.deepEqual(sealed.leaf, new Uint8Array(createHash('sha256').update(sealed.record).digest()))
        sealed.release?.()
        // The caller's block is untouched (it was copied, not moved).
        assert.equal(block.length, 300 * 1024)
        assert.equal(sealed.contentSubtrees, undefined, 'no content hashing unless asked')

        // Asked to, it hashes the block's whole segments from `start` into content-tree subtrees, as hashSubtrees does.
        const varied = Uint8Array.from({ length: 300 * 1024 + 77 }, (_, i) => (i * 7) % 251)
        const variedCid = CID.createV1(0x55, await sha256.digest(varied))
        const hashing = { start: 100, firstSegment: 9, maxHeight: 6 }
        const withContent = await enclave.sealFileBlock(variedCid, varied, prefix, hashing)
        assert.ok(withContent?.contentSubtrees !== undefined)
        const expected = storageProof.hashSubtrees(varied, 100, 9, 6)
        assert.deepEqual([...withContent.contentSubtrees.heights], [...expected.heights])
        assert.deepEqual(new Uint8Array(withContent.contentSubtrees.hashes), expected.hashes)
        assert.ok(expected.heights.length > 1)
        withContent.release?.()

        const altered = new Uint8Array(block)
        altered[7] = 6
        assert.equal(await enclave.sealFileBlock(cid, altered, prefix), undefined, 'a block that does not match its CID')
        const inline = CID.createV1(0x55, identity.digest(new Uint8Array([9, 9])))
        assert.ok((await enclave.sealFileBlock(inline, new Uint8Array([9, 9]), prefix)) !== undefined, 'identity CIDs verify too')
        const md5ish = CID.createV1(0x55, { code: 0xd5, size: 16, digest: new Uint8Array(16), bytes: new Uint8Array([0xd5, 16, ...new Uint8Array(16)]) })
        await assert.rejects(
          enclave.sealFileBlock(md5ish, block, prefix),
          (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_ENCLAVE_INVALID_ARGUMENT',
        )
      } finally {
        await enclave.close()
        tmp.remove()
      }
    })
  }

  it('error: closing the enclave rejects the blocks its threads are sealing', async () => {
    const tmp = tempDir()
    const enclave = SoftwareEnclave.open({ dataDir: tmp.dir, authority: devAttestationAuthority(), sealThreads: 1 })
    try {
      const block = new Uint8Array(4 * 1024 * 1024).fill(1)
      const cid = CID.createV1(0x55, await sha256.digest(block))
      const rejected = assert.rejects(
        enclave.sealFileBlock(cid, block, new Uint8Array(0)),
        (err: unknown) => err instanceof EnclaveError && err.code === 'SWORKER_ERROR_ENCLAVE_SEAL_FAILED',
      )
      await enclave.close()
      await rejected
    } finally {
      tmp.remove()
    }
  })
})
