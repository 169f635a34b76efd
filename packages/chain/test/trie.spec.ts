import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import fc from 'fast-check'
import {
  blake2b256,
  EMPTY_TRIE_ROOT,
  MemoryNodeStore,
  MerkleTrie,
  StateError,
  StateErrorCode,
  type TrieChange,
  type TrieNodeReader,
} from '../src/state/index.js'
import { childHash, decodeNode, encodeNode, nodeValue, partialNibbles } from '../src/state/node-codec.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

/** A trie and its store, committing every change set into the store. */
function setup(cacheSize?: number) {
  const store = new MemoryNodeStore()
  const trie = new MerkleTrie(store, cacheSize === undefined ? undefined : { cacheSize })
  const commit = (root: Uint8Array, changes: Iterable<TrieChange>): Uint8Array => {
    const result = trie.commit(root, changes)
    store.put(result.nodes)
    return result.root
  }
  return { store, trie, commit }
}

/** Root of a trie built from scratch, in one commit, from `entries` in the given order. */
function rootOf(entries: Iterable<[Uint8Array, Uint8Array]>): Uint8Array {
  return setup().commit(EMPTY_TRIE_ROOT, entries)
}

function modelEntries(model: Map<string, Uint8Array>, prefix = ''): Array<[string, string]> {
  return [...model.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .sort(([a], [b]) => compareBytes(bytes(a), bytes(b)))
    .map(([k, v]) => [k, hex(v)])
}

function assertStateError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StateError, `expected StateError, got ${String(err)}`)
    assert.equal(err.code, code)
    return true
  })
}

before(async () => {
  await cryptoWaitReady()
})

describe('MerkleTrie', () => {
  it('behavior: the empty trie root is blake2b-256 of the empty node and reads as empty', () => {
    assert.equal(hex(EMPTY_TRIE_ROOT), hex(blake2b256(Uint8Array.of(0))))
    const { trie } = setup()
    assert.equal(trie.get(EMPTY_TRIE_ROOT, bytes('0102')), undefined)
    assert.deepEqual(trie.keys(EMPTY_TRIE_ROOT, new Uint8Array(), 10), [])
    assert.deepEqual([...trie.entries(EMPTY_TRIE_ROOT, new Uint8Array())], [])
    const result = trie.commit(EMPTY_TRIE_ROOT, [])
    assert.equal(hex(result.root), hex(EMPTY_TRIE_ROOT))
    assert.equal(result.nodes.length, 0)
  })

  it('behavior: get returns committed values and undefined for absent keys', () => {
    const { trie, commit } = setup()
    const root = commit(EMPTY_TRIE_ROOT, [
      [bytes('aabbcc'), bytes('01')],
      [bytes('aabbdd'), bytes('02')],
      [bytes('aa'), bytes('03')],
      [bytes(''), bytes('04')],
      [bytes('ff00'), bytes('')],
    ])
    assert.notEqual(hex(root), hex(EMPTY_TRIE_ROOT))
    assert.equal(hex(trie.get(root, bytes('aabbcc'))!), '01')
    assert.equal(hex(trie.get(root, bytes('aabbdd'))!), '02')
    assert.equal(hex(trie.get(root, bytes('aa'))!), '03')
    assert.equal(hex(trie.get(root, bytes(''))!), '04')
    assert.equal(hex(trie.get(root, bytes('ff00'))!), '')
    for (const absent of ['aabb', 'aabbccdd', 'aabbce', 'ab', 'ff', 'ff0000', '00']) {
      assert.equal(trie.get(root, bytes(absent)), undefined, absent)
    }
  })

  it('behavior: returned values are copies the caller may modify', () => {
    const { trie, commit } = setup()
    const root = commit(EMPTY_TRIE_ROOT, [[bytes('01'), bytes('aaaa')]])
    trie.get(root, bytes('01'))!.fill(0)
    assert.equal(hex(trie.get(root, bytes('01'))!), 'aaaa')
  })

  it('behavior: overwriting changes the root; writing the same value changes nothing', () => {
    const { trie, commit } = setup()
    const r1 = commit(EMPTY_TRIE_ROOT, [
      [bytes('0101'), bytes('01')],
      [bytes('0102'), bytes('02')],
    ])
    const r2 = commit(r1, [[bytes('0101'), bytes('09')]])
    assert.notEqual(hex(r2), hex(r1))
    assert.equal(hex(trie.get(r2, bytes('0101'))!), '09')
    const same = trie.commit(r2, [[bytes('0101'), bytes('09')]])
    assert.equal(hex(same.root), hex(r2))
    assert.equal(same.nodes.length, 0)
    const noop = trie.commit(r2, [
      [bytes('7777'), null],
      [bytes('01'), null],
      [bytes('010203'), null],
    ])
    assert.equal(hex(noop.root), hex(r2))
    assert.equal(noop.nodes.length, 0)
  })

  it('behavior: later changes to the same key win within one commit', () => {
    const { trie, commit } = setup()
    const root = commit(EMPTY_TRIE_ROOT, [
      [bytes('01'), bytes('01')],
      [bytes('01'), null],
      [bytes('02'), bytes('02')],
      [bytes('02'), bytes('03')],
    ])
    assert.equal(trie.get(root, bytes('01')), undefined)
    assert.equal(hex(trie.get(root, bytes('02'))!), '03')
    assert.equal(hex(root), hex(rootOf([[bytes('02'), bytes('03')]])))
  })

  it('behavior: deleting collapses the structure back to the trie of the remaining keys', () => {
    const { trie, commit } = setup()
    const keep: Array<[Uint8Array, Uint8Array]> = [
      [bytes('aabbcc'), bytes('01')],
      [bytes('aabbdd01'), bytes('02')],
      [bytes('11'), bytes('03')],
    ]
    const extra: Array<[Uint8Array, Uint8Array]> = [
      [bytes('aabbdd'), bytes('04')],
      [bytes('aabbdd02'), bytes('05')],
      [bytes('aa'), bytes('06')],
      [bytes('aabbcd'), bytes('07')],
      [bytes('1100'), bytes('08')],
      [bytes(''), bytes('09')],
    ]
    const full = commit(EMPTY_TRIE_ROOT, [...keep, ...extra])
    const reduced = commit(
      full,
      extra.map(([k]) => [k, null] as const),
    )
    assert.equal(hex(reduced), hex(rootOf(keep)))
    for (const [k] of extra) assert.equal(trie.get(reduced, k), undefined)
    const empty = commit(
      reduced,
      keep.map(([k]) => [k, null] as const),
    )
    assert.equal(hex(empty), hex(EMPTY_TRIE_ROOT))
  })

  it('behavior: old roots stay readable after later commits', () => {
    const { trie, commit } = setup()
    const roots: Uint8Array[] = []
    let root = EMPTY_TRIE_ROOT
    for (let i = 0; i < 20; i++) {
      root = commit(root, [
        [Uint8Array.of(0xab, i), Uint8Array.of(i)],
        [Uint8Array.of(0xab, 0), Uint8Array.of(100 + i)],
        ...(i > 3 ? [[Uint8Array.of(0xab, i - 3), null] as const] : []),
      ])
      roots.push(root)
    }
    for (let i = 0; i < 20; i++) {
      const r = roots[i]!
      assert.equal(trie.get(r, Uint8Array.of(0xab, 0))![0], 100 + i)
      const expected = [0]
      for (let j = Math.max(1, i - 2); j <= i; j++) expected.push(j)
      assert.deepEqual(
        trie.keys(r, Uint8Array.of(0xab), 100).map((k) => k[1]),
        [...new Set(expected)].sort((a, b) => a - b),
      )
    }
  })

  it('behavior: commit returns only new nodes, enough with the old ones to read the new root', () => {
    const { store, trie, commit } = setup()
    const base: Array<[Uint8Array, Uint8Array]> = []
    for (let i = 0; i < 500; i++) base.push([blake2b256(Uint8Array.of(i >> 8, i & 255)), Uint8Array.of(i & 255)])
    const root = commit(EMPTY_TRIE_ROOT, base)
    const before = store.size
    const key = base[123]![0]
    const result = trie.commit(root, [[key, bytes('ffff')]])
    const depth = pathNodes(store, root, key).length
    assert.equal(result.nodes.length, depth, 'one new node per node on the path')
    assert.equal(new Set(result.nodes.map(([h]) => hex(h))).size, result.nodes.length)
    for (const [h, enc] of result.nodes) assert.equal(hex(h), hex(blake2b256(enc)))
    store.put(result.nodes)
    assert.equal(store.size, before + depth)
    const cold = new MerkleTrie(store, { cacheSize: 0 })
    assert.equal(hex(cold.get(result.root, key)!), 'ffff')
    assert.equal([...cold.entries(result.root, new Uint8Array())].length, 500)
  })

  it("behavior: a commit's new nodes sit in buffers at most about twice their size (the cache keeps each node's whole buffer alive)", () => {
    const { trie, commit } = setup()
    /** Bytes of the distinct buffers behind the nodes, and of the nodes themselves. */
    const footprint = (nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>) => {
      const buffers = new Set(nodes.map(([, enc]) => enc.buffer))
      let held = 0
      for (const b of buffers) held += b.byteLength
      return { held, used: nodes.reduce((sum, [, enc]) => sum + enc.length, 0) }
    }
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (let i = 0; i < 20_000; i++) entries.push([blake2b256(Uint8Array.of(i >> 8, i & 255)), Uint8Array.of(i & 255, 1, 2, 3)])
    const root = commit(EMPTY_TRIE_ROOT, entries)
    // A block's few changes: a few hundred bytes of nodes, not a chunk sized for bulk writes.
    const small = footprint(trie.commit(root, [[entries[7]![0], bytes('ffff')]]).nodes)
    assert.ok(small.held <= 2 * small.used + 1024, `${small.held} bytes held for ${small.used}`)
    // A bulk commit: as tight, in full-size chunks.
    const bulk = footprint(trie.commit(EMPTY_TRIE_ROOT, entries).nodes)
    assert.ok(bulk.used > 1024 * 1024)
    assert.ok(bulk.held <= 2 * bulk.used + 1024, `${bulk.held} bytes held for ${bulk.used}`)
  })

  it('behavior: the nodes a commit replaces leave the cache, so block after block it holds the live nodes, not superseded ones', () => {
    const { store, trie, commit } = setup()
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (let i = 0; i < 2000; i++) entries.push([blake2b256(Uint8Array.of(i >> 8, i & 255)), Uint8Array.of(i & 255)])
    const first = commit(EMPTY_TRIE_ROOT, entries)
    const cached = trie.cachedNodes
    let root = first
    for (let block = 0; block < 100; block++) {
      // a block's few writes: the same keys with new values
      root = commit(root, [
        [entries[block % 7]![0], Uint8Array.of(block, 1)],
        [entries[100 + (block % 5)]![0], Uint8Array.of(block, 2)],
      ])
    }
    assert.equal(trie.cachedNodes, cached)
    // every state is still readable, the replaced nodes from the store
    assert.equal(hex(trie.get(first, entries[3]![0])!), '03')
    assert.equal(hex(trie.get(root, entries[3]![0])!), hex(Uint8Array.of(94, 1)))
    assert.equal([...new MerkleTrie(store, { cacheSize: 0 }).entries(first, new Uint8Array())].length, 2000)
  })

  it('behavior: entries iterate under a prefix in bytewise order', () => {
    const { trie, commit } = setup()
    const model = new Map<string, Uint8Array>()
    const keys = ['', '00', '0000', '0001', '01', '0f', '10', '1000ff', 'f0', 'ff', 'ffff', 'ff00', 'fe01', '0100']
    for (const [i, k] of keys.entries()) model.set(k, Uint8Array.of(i))
    const root = commit(
      EMPTY_TRIE_ROOT,
      [...model].map(([k, v]) => [bytes(k), v] as [Uint8Array, Uint8Array]),
    )
    for (const prefix of ['', '00', '01', '0f', '10', '1000', 'ff', 'f', 'fe01', 'ab', 'ff00aa']) {
      if (prefix.length % 2 === 1) continue
      const got = [...trie.entries(root, bytes(prefix))].map(([k, v]) => [hex(k), hex(v)])
      assert.deepEqual(got, modelEntries(model, prefix), `prefix ${prefix}`)
    }
  })

  it('behavior: keys pages with an exclusive startAfter and a limit', () => {
    const { trie, commit } = setup()
    const all = ['00', '0000', '0001', '01', '0100', '0101', '02', '0200ff', 'ff', 'ff01'].map(bytes)
    const root = commit(
      EMPTY_TRIE_ROOT,
      all.map((k) => [k, Uint8Array.of(1)] as [Uint8Array, Uint8Array]),
    )
    const h = (ks: Uint8Array[]): string[] => ks.map(hex)
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 3)), ['00', '0000', '0001'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 3, bytes('0001'))), ['01', '0100', '0101'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 100, bytes('0101'))), ['02', '0200ff', 'ff', 'ff01'])
    // startAfter need not be a key
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 2, bytes('0002'))), ['01', '0100'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 2, bytes('00'))), ['0000', '0001'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 2, bytes(''))), ['00', '0000'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 2, bytes('0200'))), ['0200ff', 'ff'])
    assert.deepEqual(h(trie.keys(root, new Uint8Array(), 2, bytes('ff02'))), [])
    // with a prefix; startAfter before, inside and after the prefix range
    assert.deepEqual(h(trie.keys(root, bytes('01'), 10)), ['01', '0100', '0101'])
    assert.deepEqual(h(trie.keys(root, bytes('01'), 10, bytes('00ff'))), ['01', '0100', '0101'])
    assert.deepEqual(h(trie.keys(root, bytes('01'), 10, bytes('01'))), ['0100', '0101'])
    assert.deepEqual(h(trie.keys(root, bytes('01'), 10, bytes('0100'))), ['0101'])
    assert.deepEqual(h(trie.keys(root, bytes('01'), 10, bytes('02'))), [])
    assert.deepEqual(h(trie.keys(root, bytes('02'), 10)), ['02', '0200ff'])
    assert.deepEqual(h(trie.keys(root, bytes('0200'), 10)), ['0200ff'])
    assert.deepEqual(h(trie.keys(root, bytes('03'), 10)), [])
    assert.deepEqual(trie.keys(root, new Uint8Array(), 0), [])
    // paging through everything one at a time
    const paged: string[] = []
    let after: Uint8Array | undefined
    for (;;) {
      const page = trie.keys(root, new Uint8Array(), 1, after)
      if (page.length === 0) break
      paged.push(hex(page[0]!))
      after = page[0]!
    }
    assert.deepEqual(paged, h(all))
  })

  it('error: a node missing from the store throws STATE_ERROR_MISSING_NODE', () => {
    const { store, commit } = setup()
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (let i = 0; i < 50; i++) entries.push([blake2b256(Uint8Array.of(i)), Uint8Array.of(i)])
    const root = commit(EMPTY_TRIE_ROOT, entries)
    const cold = new MerkleTrie(store, { cacheSize: 0 })
    const key = entries[7]![0]
    // remove the leaf holding key 7
    const leafHash = pathNodes(store, root, key).at(-1)!
    assert.ok(store.delete(leafHash))
    assertStateError(() => cold.get(root, key), StateErrorCode.MISSING_NODE)
    assertStateError(() => [...cold.entries(root, new Uint8Array())], StateErrorCode.MISSING_NODE)
    assertStateError(() => cold.commit(root, [[key, Uint8Array.of(1, 2, 3)]]), StateErrorCode.MISSING_NODE)
    assertStateError(() => cold.get(blake2b256(Uint8Array.of(9, 9)), key), StateErrorCode.MISSING_NODE)
    assert.equal(cold.get(root, entries[8]![0])![0], 8)
    try {
      cold.get(root, key)
    } catch (err) {
      assert.ok(err instanceof StateError)
      assert.deepEqual(err.toObject().meta, { hash: '0x' + hex(leafHash) })
    }
  })

  it('error: stored bytes that are not a node throw STATE_ERROR_INVALID_NODE', () => {
    const store = new MemoryNodeStore()
    const bad = Uint8Array.of(0x02, 0x01, 0x00) // children flag, mask of one child without value, no hashes
    const hash = blake2b256(bad)
    store.put([[hash, bad]])
    const trie = new MerkleTrie(store)
    assertStateError(() => trie.get(hash, bytes('00')), StateErrorCode.INVALID_NODE)
  })

  it('error: a root that is not 32 bytes throws STATE_ERROR_INVALID_ARGUMENT', () => {
    const { trie } = setup()
    assertStateError(() => trie.get(Uint8Array.of(1, 2, 3), bytes('00')), StateErrorCode.INVALID_ARGUMENT)
  })

  it('property: the root depends only on the final key/value set, and reads match a model', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 4 }).map((k) => k.map((b) => [0x00, 0x01, 0x10, 0xff][b & 3]!))
    const longKey = fc.uint8Array({ minLength: 30, maxLength: 70 })
    const value = fc.option(fc.uint8Array({ minLength: 0, maxLength: 40 }), { nil: null, freq: 3 })
    const change = fc.tuple(fc.oneof({ weight: 4, arbitrary: key }, { weight: 1, arbitrary: longKey }), value)
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 40 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (batches, coldReads) => {
        const { store, trie } = setup(coldReads ? 0 : 64)
        const model = new Map<string, Uint8Array>()
        let root = EMPTY_TRIE_ROOT
        const committed: Array<[Uint8Array, Uint8Array]> = []
        for (const batch of batches) {
          const result = trie.commit(root, batch)
          store.put(result.nodes)
          committed.push(...result.nodes)
          root = result.root
          for (const [k, v] of batch) {
            if (v === null) model.delete(hex(k))
            else model.set(hex(k), v)
          }
        }
        const final = [...model].map(([k, v]) => [bytes(k), v] as [Uint8Array, Uint8Array])
        assert.equal(hex(root), hex(rootOf(final)))
        assert.equal(hex(root), hex(rootOf(final.reverse())))
        // the commit's encoder and the reference codec agree on every node written
        for (const [hash, enc] of committed) {
          const node = decodeNode(enc)
          const children = Array.from({ length: 16 }, (_, i) => childHash(node, i))
          assert.equal(hex(encodeNode(partialNibbles(node), nodeValue(node), children)), hex(enc))
          assert.equal(hex(hash), hex(blake2b256(enc)))
        }
        const reader = new MerkleTrie(store, { cacheSize: 0 })
        for (const [k, v] of model) assert.equal(hex(reader.get(root, bytes(k))!), hex(v))
        const got = [...reader.entries(root, new Uint8Array())].map(([k, v]) => [hex(k), hex(v)])
        assert.deepEqual(got, modelEntries(model))
        assert.equal(trie.get(root, Uint8Array.of(0xee, 0xee, 0xee, 0xee, 0xee)), undefined)
      }),
      { numRuns: 300 },
    )
  })

  it('property: keys(prefix, limit, startAfter) equals the filtered sorted model', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 3 }).map((k) => k.map((b) => [0x00, 0x01, 0x10, 0xff][b & 3]!))
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { selector: (k) => hex(k), maxLength: 40 }),
        fc.uint8Array({ maxLength: 2 }).map((k) => k.map((b) => [0x00, 0x01, 0x10, 0xff][b & 3]!)),
        fc.option(key, { nil: undefined }),
        fc.integer({ min: 0, max: 50 }),
        (keys, prefix, startAfter, limit) => {
          const { trie, commit } = setup()
          const root = commit(
            EMPTY_TRIE_ROOT,
            keys.map((k) => [k, Uint8Array.of(1)] as [Uint8Array, Uint8Array]),
          )
          const expected = keys
            .filter((k) => hex(k).startsWith(hex(prefix)))
            .filter((k) => startAfter === undefined || compareBytes(k, startAfter) > 0)
            .sort(compareBytes)
            .slice(0, limit)
            .map(hex)
          assert.deepEqual(trie.keys(root, prefix, limit, startAfter).map(hex), expected)
        },
      ),
      { numRuns: 500 },
    )
  })
})

/** Hashes of the nodes on the path to `key` (which must be present), in root-to-leaf order. */
function pathNodes(store: TrieNodeReader, root: Uint8Array, key: Uint8Array): Uint8Array[] {
  const seen: Uint8Array[] = []
  const spy = new MerkleTrie(
    {
      getNode: (h) => {
        seen.push(h)
        return store.getNode(h)
      },
    },
    { cacheSize: 0 },
  )
  assert.ok(spy.get(root, key) !== undefined)
  return seen
}
