/** Our faster compact and struct codecs give scale-ts' bytes and values. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import * as scale from 'scale-ts'
import { decode, decodeExact } from '../src/primitives/codec/decode.js'
import { accountId32, bool, bytes, compactBigEnc, compactU128, compactU32, struct, u32, vec } from '../src/primitives/codec/scale-type.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
// Values around every mode and byte-length boundary, plus uniform ones.
const bigArb = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  fc.integer({ min: 0, max: 128 }).chain((bits) => fc.bigInt({ min: bits === 0 ? 0n : 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n })),
)

describe('scale codecs: compact bigint', () => {
  it('property: compactBigEnc gives the bytes of scale.compact.enc', () => {
    fc.assert(
      fc.property(bigArb, (v) => assert.equal(hex(compactBigEnc(v)), hex(scale.compact.enc(v)))),
      { numRuns: 5000 },
    )
  })

  it('property: Compact<u128> decodes scale.compact.enc bytes back to the value and consumes them all', () => {
    fc.assert(
      fc.property(bigArb, fc.uint8Array({ maxLength: 3 }), (v, tail) => {
        const pair = scale.Tuple(compactU128.codec, scale.Bytes(tail.length))
        const [value, rest] = pair.dec(new Uint8Array([...scale.compact.enc(v), ...tail]))
        assert.equal(value, v)
        assert.equal(hex(rest), hex(tail))
      }),
      { numRuns: 5000 },
    )
  })

  it('error: a big-integer compact cut short is refused', () => {
    const bytes = compactU128.codec.enc(1n << 100n)
    assert.throws(() => decodeExact(compactU128.codec, bytes.subarray(0, bytes.length - 1), 'balance'), { code: 'CODEC_ERROR_INVALID_ENCODING' })
  })
})

describe('scale codecs: struct', () => {
  const fields = { who: accountId32, value: compactU128, era: u32, small: compactU32, flag: bool }
  const ours = vec(struct(['test', 'Entry'], fields))
  const theirs = scale.Vector(scale.Struct({ who: scale.Bytes(32), value: scale.compact, era: scale.u32, small: scale.compact, flag: scale.bool }))
  const entryArb = fc.record({
    who: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    value: bigArb,
    era: fc.nat({ max: 0xffff_ffff }),
    small: fc.nat({ max: 0x3fff_ffff }),
    flag: fc.boolean(),
  })

  it('property: a vector of structs encodes as scale-ts encodes it and decodes to the same fields', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 20 }), (entries) => {
        const bytes = ours.codec.enc(entries)
        assert.equal(hex(bytes), hex(theirs.enc(entries)))
        const back = decode(ours.codec, bytes)
        assert.deepEqual(
          back.map((e) => ({ ...e, who: hex(e.who) })),
          entries.map((e) => ({ ...e, who: hex(e.who) })),
        )
        assert.deepEqual(Object.keys(back[0] ?? fields), Object.keys(fields))
      }),
      { numRuns: 500 },
    )
  })
})

describe('scale codecs: Vec<u8>', () => {
  it('property: bytes encodes as scale.Bytes() across the length prefix widths and decodes back', () => {
    const lengthArb = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 16_380, max: 16_390 }), fc.integer({ min: 0, max: 20_000 }))
    fc.assert(
      fc.property(lengthArb, fc.integer({ min: 0, max: 255 }), (length, fill) => {
        const value = new Uint8Array(length).fill(fill)
        const encoded = bytes.codec.enc(value)
        assert.equal(hex(encoded), hex(scale.Bytes().enc(value)))
        assert.equal(hex(decodeExact(bytes.codec, encoded, 'bytes')), hex(value))
      }),
      { numRuns: 300 },
    )
  })
})
