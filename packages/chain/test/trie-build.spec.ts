import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import fc from 'fast-check'
import { EMPTY_TRIE_ROOT, MemoryNodeStore, MerkleTrie, SortedTrieBuilder, StateError, StateErrorCode } from '../src/state/index.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Root and node set of `pairs` built bottom-up, and the same through `MerkleTrie.commit`. */
function both(pairs: Map<string, Uint8Array>) {
  const sorted = [...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const built = new Map<string, string>()
  const builder = new SortedTrieBuilder((hash, encoding) => built.set(hex(hash), hex(encoding)))
  for (const [k, v] of sorted) builder.add(Uint8Array.from(Buffer.from(k, 'hex')), v)
  const root = builder.finish()
  const trie = new MerkleTrie(new MemoryNodeStore())
  const commit = trie.commit(
    EMPTY_TRIE_ROOT,
    sorted.map(([k, v]) => [Uint8Array.from(Buffer.from(k, 'hex')), v] as const),
  )
  const committed = new Map(commit.nodes.map(([h, e]) => [hex(h), hex(e)]))
  return { root, built, expectedRoot: commit.root, committed }
}

describe('SortedTrieBuilder', () => {
  before(async () => {
    await cryptoWaitReady()
  })

  it('gives the root and the nodes MerkleTrie.commit gives, for any key set (prefix keys, empty values and keys included)', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 6 })
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.uint8Array({ maxLength: 40 })), { maxLength: 60 }), (entries) => {
        const pairs = new Map(entries.map(([k, v]) => [hex(k), v]))
        const { root, built, expectedRoot, committed } = both(pairs)
        assert.equal(hex(root), hex(expectedRoot))
        assert.deepEqual(built, committed)
      }),
      { numRuns: 400 },
    )
  })

  it('matches on hashed keys under shared prefixes, as storage maps lay them out', () => {
    const pairs = new Map<string, Uint8Array>()
    for (let i = 0; i < 3000; i++) {
      const prefix = i % 3 === 0 ? 'aa'.repeat(32) : 'ab'.repeat(32)
      const h = Buffer.alloc(8)
      h.writeUInt32BE((i * 2654435761) >>> 0, 0)
      h.writeUInt32BE(i, 4)
      pairs.set(prefix + h.toString('hex'), Uint8Array.of(i & 0xff, i >> 8))
    }
    pairs.set('aa'.repeat(32), Uint8Array.of(7))
    const { root, built, expectedRoot, committed } = both(pairs)
    assert.equal(hex(root), hex(expectedRoot))
    assert.equal(built.size, committed.size)
  })

  it('gives the empty root for no pairs', () => {
    assert.equal(hex(new SortedTrieBuilder(() => {}).finish()), hex(EMPTY_TRIE_ROOT))
  })

  it('refuses keys out of order or repeated with STATE_ERROR_INVALID_ARGUMENT', () => {
    const builder = new SortedTrieBuilder(() => {})
    builder.add(Uint8Array.of(2), Uint8Array.of(1))
    for (const key of [Uint8Array.of(1), Uint8Array.of(2)]) {
      assert.throws(
        () => builder.add(key, Uint8Array.of(0)),
        (err: unknown) => err instanceof StateError && err.code === StateErrorCode.INVALID_ARGUMENT,
      )
    }
  })
})
