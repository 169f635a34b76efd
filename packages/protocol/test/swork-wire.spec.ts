/** sWork wire formats: the payloads sWorker signs, replayed against Crust's own test vectors. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import fc from 'fast-check'
import { sworkWire, verifyP256, verifySworkerSignature } from '../src/index.js'
import { SworkerSim } from './fixtures/sworker-sim.js'

const {
  asciiDecimal,
  encodeFiles,
  isvBodyFor,
  parseIsvBody,
  publicKeyToSworker,
  quoteBodyFor,
  registerPayload,
  signatureToSworker,
  sworkerToPublicKey,
  sworkerToSignature,
  workReportPayload,
} = sworkWire
type WorkReportPayloadFields = sworkWire.WorkReportPayloadFields

interface VectorReport {
  curr_pk: string
  ab_upgrade_pk: string
  slot: string
  slot_hash: string
  reported_srd_size: string
  reported_files_size: string
  added_files: Array<[string, string, string]>
  deleted_files: Array<[string, string, string]>
  reported_srd_root: string
  reported_files_root: string
  sig: string
}

const vectors = JSON.parse(readFileSync(new URL('../../test/vectors/swork-crust.json', import.meta.url), 'utf8')) as {
  register: { applier: string; ias_sig: string; ias_cert: string; isv_body: string; sig: string; code: string; pk: string }
  workReports: Record<string, VectorReport>
}

const text = (s: string) => new TextEncoder().encode(s)

function fieldsOf(v: VectorReport): WorkReportPayloadFields {
  const fileList = (list: Array<[string, string, string]>) =>
    list.map(([cid, size, block]) => [text(cid), BigInt(size), BigInt(block)] as [Uint8Array, bigint, bigint])
  return {
    curr_pk: hexToU8a(v.curr_pk),
    ab_upgrade_pk: hexToU8a(v.ab_upgrade_pk),
    slot: BigInt(v.slot),
    slot_hash: hexToU8a(v.slot_hash),
    reported_srd_size: BigInt(v.reported_srd_size),
    reported_files_size: BigInt(v.reported_files_size),
    added_files: fileList(v.added_files),
    deleted_files: fileList(v.deleted_files),
    reported_srd_root: hexToU8a(v.reported_srd_root),
    reported_files_root: hexToU8a(v.reported_files_root),
  }
}

describe('swork wire', () => {
  it('behavior: Crust sWorker work reports verify against our payload and little-endian key/signature forms', () => {
    for (const [name, v] of Object.entries(vectors.workReports)) {
      const fields = fieldsOf(v)
      assert.ok(verifySworkerSignature(fields.curr_pk, workReportPayload(fields), hexToU8a(v.sig)), name)
      // Any changed field breaks the signature.
      const altered = { ...fields, reported_files_size: fields.reported_files_size + 1n }
      assert.equal(verifySworkerSignature(fields.curr_pk, workReportPayload(altered), hexToU8a(v.sig)), false, name)
    }
  })

  it('behavior: a Crust registration (real IAS body) parses to its code and key, and the enclave signature binds the applier', () => {
    const r = vectors.register
    const isvBody = text(r.isv_body)
    const enclave = parseIsvBody(isvBody)
    assert.ok(enclave)
    assert.equal(u8aToHex(enclave.code), r.code)
    assert.equal(u8aToHex(enclave.pubkey), r.pk)
    const payload = registerPayload(text(r.ias_cert), text(r.ias_sig), isvBody, hexToU8a(r.applier))
    assert.ok(verifySworkerSignature(enclave.pubkey, payload, hexToU8a(r.sig)))
    const otherApplier = registerPayload(text(r.ias_cert), text(r.ias_sig), isvBody, new Uint8Array(32))
    assert.equal(verifySworkerSignature(enclave.pubkey, otherApplier, hexToU8a(r.sig)), false)
  })

  it('behavior: the payload is the exact ASCII-decimal and JSON layout', () => {
    const fields: WorkReportPayloadFields = {
      curr_pk: Uint8Array.of(0xaa),
      ab_upgrade_pk: new Uint8Array(0),
      slot: 600n,
      slot_hash: Uint8Array.of(0xbb),
      reported_srd_size: 0n,
      reported_files_size: 18446744073709551615n,
      added_files: [
        [text('QmA'), 13n, 503n],
        [text('QmB'), 0n, 1n],
      ],
      deleted_files: [],
      reported_srd_root: Uint8Array.of(0xcc),
      reported_files_root: Uint8Array.of(0xdd),
    }
    const expected = Buffer.concat([
      Buffer.of(0xaa),
      Buffer.from('600'),
      Buffer.of(0xbb),
      Buffer.from('0'),
      Buffer.from('18446744073709551615'),
      Buffer.of(0xcc, 0xdd),
      Buffer.from('[{"cid":"QmA","size":13,"c_block_num":503},{"cid":"QmB","size":0,"c_block_num":1}]'),
      Buffer.from('[]'),
    ])
    assert.deepEqual(Buffer.from(workReportPayload(fields)), expected)
    assert.equal(Buffer.from(encodeFiles([])).toString(), '[]')
    assert.equal(Buffer.from(asciiDecimal(0)).toString(), '0')
    assert.throws(() => asciiDecimal(-1n), RangeError)
  })

  it('property: encodeFiles equals the JSON text Crust builds, entry by entry', () => {
    const file = fc.tuple(
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
    )
    fc.assert(
      fc.property(fc.array(file, { maxLength: 20 }), (list) => {
        const expected = `[${list.map(([cid, size, block]) => `{"cid":"${cid}","size":${size},"c_block_num":${block}}`).join(',')}]`
        const bytes = encodeFiles(list.map(([cid, size, block]) => [text(cid), size, block]))
        assert.equal(Buffer.from(bytes).toString('latin1'), expected)
      }),
    )
    assert.throws(() => encodeFiles([[Uint8Array.of(1), -1n, 0n]]), RangeError)
  })

  it('property: key and signature conversions round-trip and reverse each 32-byte half', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw) => {
        const uncompressed = Uint8Array.of(4, ...raw)
        const pk = publicKeyToSworker(uncompressed)
        assert.deepEqual(sworkerToPublicKey(pk), uncompressed)
        assert.equal(pk[0], raw[31])
        assert.equal(pk[32], raw[63])
        assert.deepEqual(sworkerToSignature(signatureToSworker(raw)), raw)
      }),
    )
    assert.throws(() => publicKeyToSworker(new Uint8Array(65)), RangeError)
    assert.throws(() => sworkerToSignature(new Uint8Array(63)), RangeError)
  })

  it('property: isvBodyFor round-trips through parseIsvBody', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (code, pk) => {
        const parsed = parseIsvBody(isvBodyFor(code, pk))
        assert.ok(parsed)
        assert.deepEqual(parsed.code, code)
        assert.deepEqual(parsed.pubkey, pk)
      }),
    )
  })

  it('error: malformed report bodies do not parse', () => {
    const good = Buffer.from(quoteBodyFor(new Uint8Array(32), new Uint8Array(64))).toString('base64')
    assert.ok(parseIsvBody(text(JSON.stringify({ isvEnclaveQuoteBody: good }))))
    for (const bad of [
      'not json',
      '[]',
      '{}',
      JSON.stringify({ isvEnclaveQuoteBody: 7 }),
      JSON.stringify({ isvEnclaveQuoteBody: `${good}!` }),
      JSON.stringify({ isvEnclaveQuoteBody: Buffer.alloc(431).toString('base64') }),
      JSON.stringify({ isvEnclaveQuoteBody: Buffer.alloc(433).toString('base64') }),
    ]) {
      assert.equal(parseIsvBody(text(bad)), undefined, bad)
    }
    assert.equal(parseIsvBody(Uint8Array.of(0xff, 0xfe)), undefined)
  })

  it('behavior: signatures made with node:crypto verify; malformed keys and signatures are false, not thrown', () => {
    const sworker = new SworkerSim()
    const data = text('payload')
    const sig = sworker.sign(data)
    assert.ok(verifySworkerSignature(sworker.pubkey, data, sig))
    assert.equal(verifySworkerSignature(sworker.pubkey, text('other'), sig), false)
    assert.equal(verifySworkerSignature(new Uint8Array(64), data, sig), false)
    assert.equal(verifySworkerSignature(sworker.pubkey.subarray(1), data, sig), false)
    assert.equal(verifySworkerSignature(sworker.pubkey, data, sig.subarray(1)), false)
    assert.equal(verifyP256(Uint8Array.of(2, ...new Uint8Array(64)), data, sworkerToSignature(sig)), false)
  })
})
