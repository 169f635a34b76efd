/**
 * Large trie nodes in leaf-sized parts (`db/node-store.ts`): what is read back, what is left after
 * removal, what LMDB allocates, and databases that hold large nodes whole (written before parts).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { open as lmdbOpen } from 'lmdb'
import { Bucket, bucketName, ChainDatabase, DbError, DbErrorCode, type StateMode, type StoredBlock } from '../src/db/index.js'
import { NODE_PART_BYTES, NodeStore } from '../src/db/node-store.js'
import { blake2b256, EMPTY_TRIE_ROOT, MerkleTrie, type TrieChange } from '../src/state/index.js'

before(async () => {
  await cryptoWaitReady()
})

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff
  return out
}

function stored(number: number, root: Uint8Array, tag = 0): StoredBlock {
  const header = Uint8Array.of(number, tag, ...root)
  return { hash: blake2b256(header), number, header, body: new Uint8Array() }
}

describe('NodeStore: large nodes in parts', () => {
  const dirs: string[] = []
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-node-store-'))
    dirs.push(dir)
    return dir
  }
  const rawBucket = (dir: string) => {
    const env = lmdbOpen<Uint8Array, Uint8Array>({ path: dir, maxDbs: 4 })
    return { env, db: env.openDB<Uint8Array, Uint8Array>({ name: 'nodes', encoding: 'binary', keyEncoding: 'binary' }) }
  }
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: encodings at, just above and far above a part read back byte for byte; no overflow page; removal leaves no part', async () => {
    const { env, db } = rawBucket(tempDir())
    const store = new NodeStore(db)
    const lengths = [1, NODE_PART_BYTES, NODE_PART_BYTES + 1, 2 * NODE_PART_BYTES, 20_000]
    const nodes = lengths.map((length, i) => [blake2b256(Uint8Array.of(i)), bytes(length, i)] as const)
    try {
      env.transactionSync(() => {
        for (const [hash, encoding] of nodes) store.put(hash, encoding)
      })
      for (const [hash, encoding] of nodes) {
        assert.ok(store.has(hash))
        assert.deepEqual(store.get(hash), encoding, `${encoding.length} bytes read back`)
      }
      assert.equal((db.getStats() as { overflowPages: number }).overflowPages, 0, 'every entry stays on a leaf page')
      assert.equal(store.count(), nodes.length, 'parts are not counted as nodes')
      assert.equal(db.getKeysCount(), 2 + 3 + 3 + 1 + Math.ceil(20_000 / NODE_PART_BYTES), 'a marker and its parts for each large node')
      assert.deepEqual(
        Array.from(store.hashes(), (h) => Buffer.from(h).toString('hex')),
        nodes.map(([h]) => Buffer.from(h).toString('hex')).sort(),
      )
      env.transactionSync(() => {
        for (const [hash] of nodes) store.remove(hash)
      })
      assert.equal(db.getKeysCount(), 0, 'no marker and no part is left')
      for (const [hash] of nodes) assert.equal(store.get(hash), undefined)
    } finally {
      await env.close()
    }
  })

  it('behavior: appended large nodes keep the key order (the last hash, not a part key, bounds the next append)', async () => {
    const db = ChainDatabase.open(tempDir(), { state: 'pruned' })
    try {
      const nodes = [0, 1, 2, 3]
        .map((i) => [blake2b256(Uint8Array.of(0xa0, i)), bytes(i % 2 === 0 ? 9_000 : 40, i), 1] as const)
        .sort((a, b) => Buffer.compare(a[0], b[0]))
      db.appendStateNodes(nodes.slice(0, 2))
      db.appendStateNodes(nodes.slice(2))
      for (const [hash, encoding] of nodes) assert.deepEqual(db.getNode(hash), encoding)
      assert.equal(db.countNodes(), 4)
      assert.equal(db.stateOverflowPages().nodes, 0)
      // The last node again: refused, although its last part key sorts above its hash.
      assert.throws(() => db.appendStateNodes([nodes[3]!]), (err: unknown) => err instanceof DbError && err.code === DbErrorCode.INVALID_ARGUMENT)
    } finally {
      await db.close()
    }
  })

  for (const mode of ['pruned', 'archive'] as const satisfies readonly StateMode[]) {
    it(`behavior (${mode}): a trie of 14–20 KB values (100-replica files) commits, reads back after reopen and takes no overflow page`, async () => {
      const dir = tempDir()
      let db = ChainDatabase.open(dir, { state: mode })
      const keys = Array.from({ length: 40 }, (_, i) => blake2b256(Uint8Array.of(0xf1, i)))
      const changes = (tag: number): TrieChange[] => keys.map((k, i) => [k, bytes(14_000 + 150 * i, tag + i)])
      try {
        const trie = new MerkleTrie(db, { cacheSize: 0 })
        const g = trie.commit(EMPTY_TRIE_ROOT, changes(1))
        db.commitBlock({ block: stored(0, g.root), nodes: g.nodes, canonical: true })
        const a = trie.commit(g.root, changes(2))
        db.commitBlock({ block: stored(1, a.root), nodes: a.nodes, deleted: a.deleted, canonical: true })
        await db.close()
        db = ChainDatabase.open(dir, { state: mode })
        const reopened = new MerkleTrie(db, { cacheSize: 0 })
        keys.forEach((k, i) => {
          assert.deepEqual(reopened.get(g.root, k), bytes(14_000 + 150 * i, 1 + i))
          assert.deepEqual(reopened.get(a.root, k), bytes(14_000 + 150 * i, 2 + i))
        })
        assert.equal(db.stateOverflowPages().nodes, 0)
      } finally {
        await db.close()
      }
    })
  }

  it('behavior: large nodes a database holds whole (written before parts) are read, counted and released', async () => {
    const dir = tempDir()
    const db = ChainDatabase.open(dir, { state: 'pruned' })
    const trie = new MerkleTrie(db, { cacheSize: 0 })
    const key = blake2b256(Uint8Array.of(0xee))
    const g = trie.commit(EMPTY_TRIE_ROOT, [[key, bytes(20_000, 1)]])
    await db.close()
    // The old layout: every node whole under its hash, straight into the bucket.
    const env = lmdbOpen<Uint8Array, Uint8Array>({ path: dir, maxDbs: 16 })
    const rawNodes = env.openDB<Uint8Array, Uint8Array>({ name: bucketName(Bucket.trieNode), encoding: 'binary', keyEncoding: 'binary' })
    env.transactionSync(() => {
      for (const [hash, encoding] of g.nodes) rawNodes.put(hash, encoding)
    })
    await env.close()
    const reopened = ChainDatabase.open(dir, { state: 'pruned' })
    try {
      assert.ok(reopened.stateOverflowPages().nodes > 0, 'the old node is whole, on overflow pages')
      reopened.commitBlock({ block: stored(0, g.root), nodes: [], canonical: true })
      assert.deepEqual(new MerkleTrie(reopened, { cacheSize: 0 }).get(g.root, key), bytes(20_000, 1))
      assert.equal(reopened.countNodes(), g.nodes.length)
      const next = new MerkleTrie(reopened, { cacheSize: 0 }).commit(g.root, [[key, bytes(20_001, 2)]])
      const b1 = stored(1, next.root)
      reopened.commitBlock({ block: b1, nodes: next.nodes, deleted: next.deleted, canonical: true })
      // Block 1 final, block 0's state pruned: the whole node goes.
      reopened.commitBlock({
        block: stored(2, next.root, 2),
        nodes: [],
        deleted: [],
        canonical: true,
        prune: { canonicalized: [[1, b1.hash]], discarded: [], pruned: [[1, b1.hash]] },
      })
      assert.equal(reopened.getNode(g.nodes[0]![0]), undefined, 'the whole old node is removed')
      assert.equal(reopened.stateOverflowPages().nodes, 0, 'its overflow pages are freed, and the new node took none')
      assert.deepEqual(new MerkleTrie(reopened, { cacheSize: 0 }).get(next.root, key), bytes(20_001, 2))
    } finally {
      await reopened.close()
    }
  })
})
