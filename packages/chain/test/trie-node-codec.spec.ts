import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EMPTY_NODE_ENCODING } from '../src/state/constants.js'
import { childHash, decodeNode, encodeNode, NodeDecodeError, nodeValue, partialNibbles } from '../src/state/node-codec.js'

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'))

const nodeArb = fc
  .record({
    partial: fc.oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 180, maxLength: 400 })).map((p) => p.map((b) => b & 0x0f)),
    value: fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
    children: fc.array(fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }), {
      minLength: 16,
      maxLength: 16,
    }),
  })
  .filter(({ value, children }) => value !== undefined || children.filter((c) => c !== undefined).length >= 2)

describe('trie node codec', () => {
  it('property: decode(encode(node)) gives back partial key, value and children', () => {
    fc.assert(
      fc.property(nodeArb, ({ partial, value, children }) => {
        const encoded = encodeNode(partial, value, children)
        const node = decodeNode(encoded)
        assert.deepEqual([...partialNibbles(node)], [...partial])
        assert.equal(hex(nodeValue(node)), hex(value))
        for (let i = 0; i < 16; i++) assert.equal(hex(childHash(node, i)), hex(children[i]), `child ${i}`)
        // one encoding per node: re-encoding the decoded node gives the same bytes
        const again = encodeNode(
          partialNibbles(node),
          nodeValue(node),
          Array.from({ length: 16 }, (_, i) => childHash(node, i)),
        )
        assert.equal(hex(again), hex(encoded))
      }),
      { numRuns: 500 },
    )
  })

  it('behavior: the empty node encodes as a single zero byte', () => {
    assert.equal(hex(encodeNode(new Uint8Array(), undefined, undefined)), hex(EMPTY_NODE_ENCODING))
    const node = decodeNode(EMPTY_NODE_ENCODING)
    assert.equal(nodeValue(node), undefined)
    assert.equal(node.mask, 0)
  })

  it('behavior: partial keys of 63 nibbles and more use the length extension', () => {
    for (const n of [62, 63, 64, 190, 191, 192, 5000]) {
      const partial = new Uint8Array(n).map((_, i) => i % 16)
      const node = decodeNode(encodeNode(partial, Uint8Array.of(7), undefined))
      assert.equal(partialNibbles(node).length, n)
      assert.deepEqual([...nodeValue(node)!], [7])
    }
  })

  it('error: non-canonical or truncated encodings are rejected', () => {
    const h = new Uint8Array(32).fill(1)
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array()],
      ['empty node with trailing byte', Uint8Array.of(0, 0)],
      ['no value nor children with a partial key', Uint8Array.of(1 << 2, 0x10)],
      ['odd partial key with non-zero padding', Uint8Array.of(1 | (1 << 2), 0x11)],
      ['children flag with empty mask', Uint8Array.of(2 | 1, 0, 0)],
      ['one child without value', Uint8Array.of(2, 1, 0, ...h)],
      ['truncated child hashes', Uint8Array.of(2, 3, 0, ...h)],
      ['trailing bytes after children', Uint8Array.of(2, 3, 0, ...h, ...h, 9)],
      ['truncated partial key', Uint8Array.of(1 | (8 << 2), 0x12)],
      ['unterminated length extension', Uint8Array.of(1 | (63 << 2), 0x80)],
      ['non-minimal length extension', Uint8Array.of(1 | (63 << 2), 0x80, 0x00, ...new Uint8Array(32))],
    ]
    for (const [name, bytes] of cases) assert.throws(() => decodeNode(bytes), NodeDecodeError, name)
  })
})
