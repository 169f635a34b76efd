import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CodecError, CodecErrorCode, decodeBody, encodeBody } from '../src/index.js'

describe('block body codec', () => {
  it('behavior: a body round-trips through encodeBody/decodeBody', () => {
    const xts = [Uint8Array.of(4, 1), Uint8Array.of(8, 2, 3)]
    assert.deepEqual(decodeBody(encodeBody(xts)), xts)
  })

  it('error: a truncated extrinsic is CODEC_ERROR_CORRUPT with its offset, not a short slice', () => {
    const body = encodeBody([Uint8Array.of(12, 1, 2, 3)])
    const cut = body.subarray(0, body.length - 1)
    assert.throws(
      () => decodeBody(cut),
      (err: unknown) => {
        assert.ok(err instanceof CodecError)
        assert.equal(err.code, CodecErrorCode.CORRUPT)
        assert.deepEqual(err.type, { code: CodecErrorCode.CORRUPT, what: 'block body', offset: 1 })
        return true
      },
    )
  })

  it('error: a count with no extrinsics behind it is CODEC_ERROR_CORRUPT', () => {
    assert.throws(() => decodeBody(Uint8Array.of(8)), { code: CodecErrorCode.CORRUPT })
  })
})
