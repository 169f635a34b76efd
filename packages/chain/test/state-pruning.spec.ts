/**
 * State pruning: the trie commit's exact node-multiset change, reference counting and the per-block
 * journal of a pruned database, and the chain keeping, discarding and pruning states on finality
 * (real LMDB in temp folders).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Keyring } from '@polkadot/keyring'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { Chain, ChainError, ChainErrorCode, type ImportedBlock } from '../src/chain/index.js'
import { MAX_STATE_PIN_LAG, MAX_STATE_PINS, STATE_PIN_LEASE_MS, StatePins } from '../src/chain/state-pins.js'
import { ChainDatabase, DbError, DbErrorCode, type StateMode } from '../src/db/index.js'
import { JOURNAL_HASHES_PER_PART, StateJournal } from '../src/db/state-journal.js'
import { open as lmdbOpen } from 'lmdb'
import { type DecodedExtrinsic, decodeExtrinsic } from '../src/frame/extrinsic.js'
import { defaultRuntimeConfig } from '../src/runtime/config.js'
import { Runtime } from '../src/runtime/runtime.js'
import { accountIdOf, builtinSpec, type ChainSpec } from '../src/spec/chain-spec.js'
import { decode } from '../src/primitives/codec/decode.js'
import { h256 } from '../src/primitives/codec/scale-type.js'
import { blake2b256, EMPTY_TRIE_ROOT, MemoryNodeStore, MerkleTrie, type TrieChange } from '../src/state/index.js'
import { transferToFerdie } from './fixtures/signed-call.js'
import { trieNodeCounts } from './fixtures/trie-walk.js'

const BLOCK_TIME = 1000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x1_0000_0000
  }
}

describe('trie commit: deleted nodes', () => {
  it('behavior: old nodes - deleted + inserted is exactly the new trie, identical nodes at several places included', () => {
    const store = new MemoryNodeStore()
    const trie = new MerkleTrie(store, { cacheSize: 0 })
    const random = rng(7)
    // Few short keys and three values: many identical leaves (same empty partial key, same value).
    const key = () => Uint8Array.of(Math.floor(random() * 4), Math.floor(random() * 16))
    const value = () => Uint8Array.of(Math.floor(random() * 3))
    let root = EMPTY_TRIE_ROOT
    let sawDuplicate = false
    for (let round = 0; round < 300; round++) {
      const changes: TrieChange[] = []
      const n = 1 + Math.floor(random() * 6)
      for (let i = 0; i < n; i++) changes.push([key(), random() < 0.3 ? null : value()])
      const before = trieNodeCounts(store, root)
      const result = trie.commit(root, changes)
      store.put(result.nodes)
      const expected = new Map(before)
      for (const h of result.deleted) {
        const left = (expected.get(hex(h)) ?? 0) - 1
        assert.ok(left >= 0, `round ${round}: deleted a node the old trie does not hold`)
        if (left === 0) expected.delete(hex(h))
        else expected.set(hex(h), left)
      }
      for (const [h] of result.nodes) expected.set(hex(h), (expected.get(hex(h)) ?? 0) + 1)
      const after = trieNodeCounts(store, result.root)
      assert.deepEqual(after, expected, `round ${round}`)
      for (const count of after.values()) if (count > 1) sawDuplicate = true
      root = result.root
    }
    assert.ok(sawDuplicate, 'the random tries held an identical node at two places')
  })
})

describe('StateJournal (pruned ChainDatabase)', () => {
  const dirs: string[] = []
  const dbs: ChainDatabase[] = []
  after(async () => {
    for (const db of dbs) await db.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  const openDb = (state?: StateMode, dir = mkdtempSync(join(tmpdir(), 'crust-journal-'))): ChainDatabase => {
    if (!dirs.includes(dir)) dirs.push(dir)
    const db = ChainDatabase.open(dir, state === undefined ? {} : { state })
    dbs.push(db)
    return db
  }
  const stored = (n: number, root: Uint8Array) => ({ hash: blake2b256(Uint8Array.of(n, ...root)), number: n, header: root, body: new Uint8Array() })

  it('behavior: a node at two places has two references; a node shared by a kept and a pruned state survives the pruning', () => {
    const db = openDb('pruned')
    const trie = new MerkleTrie(db, { cacheSize: 0 })
    const same = Uint8Array.of(9, 9)
    // Keys 0x01 and 0x02 end in identical leaves (empty partial key, same value); 0x30 is never touched.
    const g = trie.commit(EMPTY_TRIE_ROOT, [
      [Uint8Array.of(0x01), same],
      [Uint8Array.of(0x02), same],
      [Uint8Array.of(0x30), Uint8Array.of(7)],
    ])
    const b0 = stored(0, g.root)
    db.commitBlock({ block: b0, nodes: g.nodes, canonical: true })
    const leaf = [...trieNodeCounts(db, g.root)].find(([, c]) => c === 2)
    assert.ok(leaf !== undefined, 'the genesis trie holds one node at two places')
    const leafHash = Buffer.from(leaf[0], 'hex')
    assert.equal(db.nodeRefCount(leafHash), 2)
    const genesisNodes = [...trieNodeCounts(db, g.root).keys()].map((h) => Buffer.from(h, 'hex'))

    const c1 = trie.commit(g.root, [[Uint8Array.of(0x01), null]])
    const b1 = stored(1, c1.root)
    db.commitBlock({ block: b1, nodes: c1.nodes, deleted: c1.deleted, canonical: true })
    assert.deepEqual(
      db.journaledBlocks().map(([n]) => n),
      [1],
    )
    // Block 1 final, then the state of block 0 pruned: what block 1 deleted loses its references.
    db.commitHead({ meta: {}, prune: { canonicalized: [[1, b1.hash]], discarded: [], pruned: [[1, b1.hash]] } })
    assert.deepEqual(db.journaledBlocks(), [])
    assert.equal(db.nodeRefCount(leafHash), 0, 'both places of the duplicated leaf are gone')
    assert.equal(db.getNode(leafHash), undefined)
    const kept = trieNodeCounts(db, c1.root)
    assert.equal(db.countNodes(), kept.size, 'the database holds exactly the nodes of the kept state')
    const shared = genesisNodes.filter((h) => kept.has(hex(h)))
    assert.ok(shared.length > 0, 'some genesis node is still part of the kept state')
    for (const h of shared) assert.ok(db.getNode(h) !== undefined)
  })

  it('behavior: journaled block hashes are copies of their own, so they decode as themselves (H256)', () => {
    const db = openDb('pruned')
    const trie = new MerkleTrie(db, { cacheSize: 0 })
    const g = trie.commit(EMPTY_TRIE_ROOT, [[Uint8Array.of(1), Uint8Array.of(1)]])
    db.commitBlock({ block: stored(0, g.root), nodes: g.nodes, canonical: true })
    const c1 = trie.commit(g.root, [[Uint8Array.of(2), Uint8Array.of(2)]])
    const b1 = stored(30, c1.root)
    db.commitBlock({ block: b1, nodes: c1.nodes, deleted: c1.deleted, canonical: true })
    const [[number, hash]] = db.journaledBlocks() as [[number, Uint8Array]]
    assert.equal(number, 30)
    assert.equal(hash.byteOffset, 0, 'not a view into the journal key')
    // Finality planning looks blocks up by these hashes, and the chain then hands them to the
    // runtime as parent hashes: they must decode as the hash, not the key's number and 28 bytes.
    assert.deepEqual(decode(h256.codec, hash), b1.hash)
  })

  it('behavior: a discarded fork releases only what it inserted; the chain it forked from keeps every node', () => {
    const db = openDb('pruned')
    const trie = new MerkleTrie(db, { cacheSize: 0 })
    const g = trie.commit(EMPTY_TRIE_ROOT, [
      [Uint8Array.of(1), Uint8Array.of(1)],
      [Uint8Array.of(2), Uint8Array.of(2)],
    ])
    db.commitBlock({ block: stored(0, g.root), nodes: g.nodes, canonical: true })
    const a = trie.commit(g.root, [[Uint8Array.of(3), Uint8Array.of(3)]])
    const ba = stored(1, a.root)
    db.commitBlock({ block: ba, nodes: a.nodes, deleted: a.deleted, canonical: true })
    // The fork also writes key 3 = 3 (same nodes as block a's) and its own key 4.
    const f = trie.commit(g.root, [
      [Uint8Array.of(3), Uint8Array.of(3)],
      [Uint8Array.of(4), Uint8Array.of(4)],
    ])
    const bf = { ...stored(1, f.root), hash: blake2b256(Uint8Array.of(0xff, ...f.root)) }
    db.commitBlock({ block: bf, nodes: f.nodes, deleted: f.deleted, canonical: false })
    db.commitHead({ meta: {}, prune: { canonicalized: [[1, ba.hash]], discarded: [[1, bf.hash]], pruned: [] } })
    assert.deepEqual(db.journaledBlocks(), [])
    assert.throws(() => trieNodeCounts(db, f.root), /missing trie node/)
    const union = trieNodeCounts(db, a.root, trieNodeCounts(db, g.root))
    assert.equal(db.countNodes(), union.size)
  })

  it('behavior: a block journal of hundreds of nodes is stored in leaf-sized parts (no overflow pages); discarding and pruning release every node of it', () => {
    const db = openDb('pruned')
    const trie = new MerkleTrie(db, { cacheSize: 0 })
    const keys = (from: number, count: number, tag: number): TrieChange[] =>
      Array.from({ length: count }, (_, i) => [blake2b256(Uint8Array.of(from, i >> 8, i & 0xff)), Uint8Array.of(tag, i & 0xff, 1, 2, 3)])
    const g = trie.commit(EMPTY_TRIE_ROOT, keys(0, 400, 1))
    db.commitBlock({ block: stored(0, g.root), nodes: g.nodes, canonical: true })
    // Block 1 rewrites every value (its deleted journal is as long as its inserted one); a fork writes others.
    const a = trie.commit(g.root, keys(0, 400, 2))
    const ba = stored(1, a.root)
    db.commitBlock({ block: ba, nodes: a.nodes, deleted: a.deleted, canonical: true })
    const f = trie.commit(g.root, keys(1, 300, 3))
    const bf = { ...stored(1, f.root), hash: blake2b256(Uint8Array.of(0xff, ...f.root)) }
    db.commitBlock({ block: bf, nodes: f.nodes, deleted: f.deleted, canonical: false })
    assert.ok(a.nodes.length > 4 * JOURNAL_HASHES_PER_PART && a.deleted.length > 4 * JOURNAL_HASHES_PER_PART && f.nodes.length > 4 * JOURNAL_HASHES_PER_PART)
    assert.equal(db.journalOverflowPages(), 0, 'no journal value outgrows a leaf entry')
    assert.deepEqual(
      db
        .journaledBlocks()
        .map(([n, h]) => `${n}:${hex(h)}`)
        .sort(),
      [`1:${hex(ba.hash)}`, `1:${hex(bf.hash)}`].sort(),
      'each block listed once, whatever its parts',
    )
    assert.equal(db.journaledDeletions([1, ba.hash]), a.deleted.length)
    db.commitHead({ meta: {}, prune: { canonicalized: [[1, ba.hash]], discarded: [[1, bf.hash]], pruned: [[1, ba.hash]] } })
    assert.deepEqual(db.journaledBlocks(), [])
    assert.equal(db.journaledDeletions([1, ba.hash]), 0)
    assert.equal(db.countNodes(), trieNodeCounts(db, a.root).size, 'only the kept state remains: every part was applied')
  })

  it('behavior: a whole journal written before parts existed is still applied and removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-journal-raw-'))
    dirs.push(dir)
    const env = lmdbOpen<Uint8Array, Uint8Array>({ path: dir, maxDbs: 8 })
    const bucket = (name: string) => env.openDB<Uint8Array, Uint8Array>({ name, encoding: 'binary', keyEncoding: 'binary' })
    const [nodes, refs, inserted, deleted] = [bucket('nodes'), bucket('refs'), bucket('inserted'), bucket('deleted')]
    const journal = new StateJournal(nodes, refs, inserted, deleted)
    const hashes = Array.from({ length: 100 }, (_, i) => blake2b256(Uint8Array.of(i)))
    const block = [7, blake2b256(Uint8Array.of(7, 7))] as const
    const key = new Uint8Array(36)
    new DataView(key.buffer).setUint32(0, 7)
    key.set(block[1], 4)
    try {
      env.transactionSync(() => {
        journal.addNodes(hashes.map((h) => [h, Uint8Array.of(1, 2, 3)] as const))
        // The old layout: the block's whole list under the key without a part.
        inserted.put(key, Buffer.concat(hashes.slice(0, 50)))
        deleted.put(key, Buffer.concat(hashes.slice(50)))
      })
      assert.deepEqual(
        journal.journaled().map(([n, h]) => [n, hex(h)]),
        [[7, hex(block[1])]],
      )
      assert.equal(journal.deletedCount(block), 50)
      env.transactionSync(() => journal.apply({ canonicalized: [], discarded: [block], pruned: [] }))
      assert.equal(nodes.getKeysCount(), 50, 'the discarded block released the 50 nodes of its whole journal')
      assert.equal(inserted.doesExist(key) || deleted.doesExist(key), false)
      assert.deepEqual(journal.journaled(), [])
    } finally {
      await env.close()
    }
  })

  it('error: an archive database refuses to open pruned and the other way round; without a mode it opens in its own', async () => {
    const archive = openDb('archive')
    const pruned = openDb('pruned')
    const [archiveDir, prunedDir] = [archive.path, pruned.path]
    await archive.close()
    await pruned.close()
    const code = (fn: () => unknown) =>
      assert.throws(fn, (err: unknown) => err instanceof DbError && err.code === DbErrorCode.STATE_MODE_MISMATCH && /--pruning/.test(err.message))
    code(() => ChainDatabase.open(archiveDir, { state: 'pruned' }))
    code(() => ChainDatabase.open(prunedDir, { state: 'archive' }))
    assert.equal(openDb(undefined, prunedDir).stateMode, 'pruned')
    assert.equal(openDb(undefined, archiveDir).stateMode, 'archive')
  })
})

describe('Chain: states kept, discarded and pruned on finality', () => {
  const dirs: string[] = []
  const dbs: ChainDatabase[] = []
  let spec: ChainSpec
  let runtime: Runtime
  let keyring: Keyring
  let author: Uint8Array

  before(async () => {
    await cryptoWaitReady()
    spec = builtinSpec('dev')!
    runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
    keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })
    author = accountIdOf(spec.genesis.authorities[0]!)
  })
  after(async () => {
    for (const db of dbs) await db.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  function open(state: StateMode, pruning: number, dir = mkdtempSync(join(tmpdir(), 'crust-prune-'))): Chain {
    if (!dirs.includes(dir)) dirs.push(dir)
    const db = ChainDatabase.open(dir, { state })
    dbs.push(db)
    return Chain.open(db, runtime, spec, { finality: 'external', pruning, pruningBatch: 1 })
  }

  function transfer(chain: Chain, uri: string, nonce: number): DecodedExtrinsic {
    return decodeExtrinsic(runtime, transferToFerdie(runtime, keyring, chain.genesis.hash, uri, nonce, 1_000_000_000n + BigInt(nonce)))
  }

  const produce = (chain: Chain, slot: number, txs: DecodedExtrinsic[] = [], parent?: ImportedBlock): ImportedBlock =>
    chain.produceBlock(author, txs, slot * BLOCK_TIME + 10, { slot, ...(parent === undefined ? {} : { parent: parent.block }) })

  /** The node sets of the given states, merged (throws if a node of them is missing). */
  const union = (chain: Chain, blocks: ImportedBlock[]) => {
    const all = new Map<string, number>()
    for (const b of blocks) trieNodeCounts(chain.db, b.block.header.stateRoot, all)
    return all
  }

  const discarded = (fn: () => unknown) => assert.throws(fn, (err: unknown) => err instanceof ChainError && err.code === ChainErrorCode.STATE_DISCARDED)

  it('behavior: finality discards a fork state (its own nodes deleted) and keeps the finalized chain whole', () => {
    const chain = open('pruned', 8)
    const b1 = produce(chain, 1)
    const b2 = produce(chain, 2, [transfer(chain, '//Alice', 0)], b1)
    const f2 = produce(chain, 3, [transfer(chain, '//Bob', 0)], b1)
    const b3 = produce(chain, 4, [], b2)
    assert.equal(chain.best.hashHex, b3.block.hashHex)
    const kept = [{ block: chain.genesis } as ImportedBlock, b1, b2, b3]
    const forkOnly = [...trieNodeCounts(chain.db, f2.block.header.stateRoot).keys()].filter((h) => !union(chain, kept).has(h))
    assert.ok(forkOnly.length > 0)
    assert.ok(chain.hasState(f2.block))

    chain.finalize(b3.block.hash)
    assert.equal(chain.hasState(f2.block), false)
    discarded(() => chain.stateAt(f2.block))
    for (const h of forkOnly) assert.equal(chain.db.getNode(Buffer.from(h, 'hex')), undefined)
    assert.deepEqual(chain.db.journaledBlocks(), [])
    // Window of 8: every state of the final chain is kept, and nothing else is stored.
    assert.equal(chain.db.countNodes(), union(chain, kept).size)
  })

  it('behavior: states older than the window are pruned, the rest read through a cold cache, across a reopen', async () => {
    const KEEP = 3
    const chain = open('pruned', KEEP)
    const blocks: ImportedBlock[] = []
    for (let i = 1; i <= 10; i++) {
      blocks.push(produce(chain, i, i % 2 === 0 ? [transfer(chain, '//Alice', i / 2 - 1)] : [], blocks.at(-1)))
      chain.finalize(blocks.at(-1)!.block.hash)
    }
    const head = blocks.at(-1)!
    assert.equal(chain.stateFrom, 10 - KEEP + 1)
    for (const b of blocks) assert.equal(chain.hasState(b.block), b.block.number >= 8, `block ${b.block.number}`)
    assert.equal(chain.hasState(chain.genesis), false)
    discarded(() => chain.stateAt(blocks[0]!.block))
    const keptStates = blocks.slice(-KEEP)
    assert.equal(chain.db.countNodes(), union(chain, keptStates).size, 'only the kept states remain')
    assert.equal(chain.accountNonce(keyring.addFromUri('//Alice').publicKey, head.block), 5)
    const entriesBefore = [...new MerkleTrie(chain.db, { cacheSize: 0 }).entries(head.block.header.stateRoot, new Uint8Array())]

    const dir = chain.db.path
    await chain.db.close()
    const reopened = open('pruned', KEEP, dir)
    assert.equal(reopened.stateFrom, 8)
    assert.equal(reopened.hasState(blocks[6]!.block), false)
    assert.equal(reopened.accountNonce(keyring.addFromUri('//Alice').publicKey, reopened.finalized), 5)
    const cold = new MerkleTrie(reopened.db, { cacheSize: 0 })
    assert.deepEqual([...cold.entries(head.block.header.stateRoot, new Uint8Array())], entriesBefore)
    assert.ok(entriesBefore.length > 10)
  })

  it('behavior: with a batch of 4, states are pruned 4 at a time once due, never more than keep + 3 kept', () => {
    const chain = Chain.open(ChainDatabase.open(mkdtempSync(join(tmpdir(), 'crust-prune-')), { state: 'pruned' }), runtime, spec, {
      finality: 'external',
      pruning: 2,
      pruningBatch: 4,
    })
    dbs.push(chain.db)
    dirs.push(chain.db.path)
    const froms: number[] = []
    let parent: ImportedBlock | undefined
    for (let i = 1; i <= 12; i++) {
      parent = produce(chain, i, [], parent)
      chain.finalize(parent.block.hash)
      froms.push(chain.stateFrom)
    }
    // Window start at block k is k - 1; pruning runs when 4 states are due.
    assert.deepEqual(froms, [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8])
  })

  it('behavior: a step stops at the node budget (one state at least), the others follow in the next steps, and only the kept states remain', () => {
    const open = (nodeBudget: number) => {
      const db = ChainDatabase.open(mkdtempSync(join(tmpdir(), 'crust-prune-')), { state: 'pruned' })
      dbs.push(db)
      dirs.push(db.path)
      return Chain.open(db, runtime, spec, { finality: 'external', pruning: 2, pruningBatch: 4, pruningNodeBudget: nodeBudget })
    }
    const run = (chain: Chain, uri: string) => {
      const froms: number[] = []
      const blocks: ImportedBlock[] = [{ block: chain.genesis } as ImportedBlock]
      for (let i = 1; i <= 12; i++) {
        blocks.push(produce(chain, i, [transfer(chain, uri, i - 1)], blocks.at(-1)))
        chain.finalize(blocks.at(-1)!.block.hash)
        froms.push(chain.stateFrom)
        const kept = blocks.filter((b) => b.block.number >= chain.stateFrom)
        assert.equal(chain.db.countNodes(), union(chain, kept).size, `block ${i}: only the kept states remain`)
      }
      return { froms, blocks }
    }
    const oneAStep = run(open(1), '//Alice')
    // Due from block 5 (4 states below the window of 2); one state a step, so the window start lags.
    assert.deepEqual(oneAStep.froms, [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
    const unbounded = run(open(1_000_000), '//Bob')
    assert.deepEqual(unbounded.froms, [0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8])
    assert.throws(
      () => open(0),
      (err: unknown) => err instanceof ChainError && err.code === ChainErrorCode.INVALID_OPTIONS,
    )
  })

  it('behavior: a state being served to a syncing peer is kept past the window while its lease runs, and pruned once it lapses', () => {
    let now = 1_000_000
    const db = ChainDatabase.open(mkdtempSync(join(tmpdir(), 'crust-prune-')), { state: 'pruned' })
    dbs.push(db)
    dirs.push(db.path)
    const chain = Chain.open(db, runtime, spec, { finality: 'external', pruning: 2, pruningBatch: 1, clock: () => now })
    const blocks: ImportedBlock[] = []
    const step = () => {
      blocks.push(produce(chain, blocks.length + 1, [], blocks.at(-1)))
      chain.finalize(blocks.at(-1)!.block.hash)
    }
    for (let i = 0; i < 3; i++) step()
    const served = blocks[2]!.block
    chain.stateChunk(served, undefined, { pairs: 10, bytes: 1 << 20 })
    for (let i = 0; i < 5; i++) {
      now += STATE_PIN_LEASE_MS / 2
      chain.stateChunk(served, undefined, { pairs: 10, bytes: 1 << 20 })
      step()
    }
    assert.equal(chain.stateFrom, 3, 'pruning stopped at the served state')
    assert.ok(chain.hasState(served))
    assert.equal(chain.hasState(blocks[1]!.block), false, 'the states below it were pruned')
    now += STATE_PIN_LEASE_MS + 1
    step()
    assert.equal(chain.hasState(served), false, 'pruned once the lease lapsed')
    assert.equal(chain.stateFrom, blocks.length - 1)
    assert.equal(chain.db.countNodes(), union(chain, blocks.slice(-2)).size, 'only the window remains')
  })

  it('behavior: pins lapse with their lease, beyond the lag bound, off the canonical chain, and at most 4 are held (the least recently read goes)', () => {
    let now = 0
    const pins = new StatePins(() => now)
    const record = (number: number) => ({ number, hash: Uint8Array.of(number), hashHex: `0x${number}` }) as unknown as Parameters<StatePins['touch']>[0]
    const canonical = () => true
    for (const n of [10, 20, 30, 40]) pins.touch(record(n))
    assert.equal(pins.lowest(100, canonical), 10)
    pins.touch(record(50))
    assert.equal(MAX_STATE_PINS, 4)
    assert.equal(pins.lowest(100, canonical), 20, 'the least recently read pin went')
    assert.equal(pins.lowest(20 + MAX_STATE_PIN_LAG + 1, canonical), 30, 'a pin too far below the finalized block is dropped')
    assert.equal(
      pins.lowest(100, (n) => n !== 30),
      40,
      'a pin off the canonical chain is dropped',
    )
    now += STATE_PIN_LEASE_MS + 1
    assert.equal(pins.lowest(100, canonical), undefined)
  })

  it('behavior: archive keeps every state', () => {
    const chain = open('archive', 1)
    const blocks: ImportedBlock[] = []
    let f: ImportedBlock | undefined
    for (let i = 1; i <= 6; i++) {
      blocks.push(produce(chain, i * 2, [transfer(chain, '//Alice', i - 1)], blocks.at(-1)))
      // A fork beside block 2, which finality then rules out.
      if (i === 2) f = produce(chain, 5, [transfer(chain, '//Bob', 0)], blocks[0])
      chain.finalize(blocks.at(-1)!.block.hash)
    }
    assert.ok(f !== undefined)
    for (const b of [...blocks, f]) assert.ok(chain.hasState(b.block))
    assert.ok(chain.hasState(chain.genesis))
    assert.equal(chain.stateFrom, 0)
    assert.deepEqual(chain.db.journaledBlocks(), [])
    assert.equal(chain.db.countNodes(), union(chain, [{ block: chain.genesis } as ImportedBlock, ...blocks, f]).size)
  })
})
