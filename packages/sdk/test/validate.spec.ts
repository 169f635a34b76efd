import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { assertCid, assertFileSize, formatCru, parseCru, SdkError } from '../src/index.js'

const code = (c: string) => (err: unknown) => err instanceof SdkError && err.code === c
const GIB8 = 8n * 1024n ** 3n

describe('order checks', () => {
  it('behavior: CIDv0 and CIDv1 strings pass', () => {
    assertCid('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')
    assertCid('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi')
  })

  it('error: malformed, empty and over-long CIDs are SDK_ERROR_BAD_CID', () => {
    for (const cid of ['', 'not-a-cid', 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5', `b${'a'.repeat(200)}`]) {
      assert.throws(() => assertCid(cid), code('SDK_ERROR_BAD_CID'), cid)
    }
  })

  it('behavior: sizes below the limit pass; the limit and above are SDK_ERROR_FILE_TOO_LARGE naming it', () => {
    assertFileSize(1, GIB8)
    assertFileSize(GIB8 - 1n, GIB8)
    assert.throws(
      () => assertFileSize(GIB8, GIB8),
      (err: unknown) => code('SDK_ERROR_FILE_TOO_LARGE')(err) && /8589934592 bytes \(8 GiB\)/.test((err as Error).message),
    )
    assert.throws(() => assertFileSize(0, GIB8), code('SDK_ERROR_BAD_SIZE'))
    assert.throws(() => assertFileSize(-5n, GIB8), code('SDK_ERROR_BAD_SIZE'))
    assert.throws(() => assertFileSize(1.5, GIB8), code('SDK_ERROR_BAD_SIZE'))
  })

  it('behavior: CRU amounts parse and format (round trip over plancks)', () => {
    assert.equal(parseCru('1.5'), 1_500_000_000_000n)
    assert.equal(parseCru('0.000000000001'), 1n)
    assert.equal(parseCru('7'), 7_000_000_000_000n)
    assert.equal(formatCru(1_500_000_000_000n), '1.5')
    assert.equal(formatCru(0n), '0')
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (n) => parseCru(formatCru(n)) === n))
  })

  it('error: amounts with too many decimals or not numbers are SDK_ERROR_BAD_AMOUNT', () => {
    for (const text of ['', 'abc', '1.0000000000001', '-1', '1e3', '.5']) assert.throws(() => parseCru(text), code('SDK_ERROR_BAD_AMOUNT'), text)
  })
})
