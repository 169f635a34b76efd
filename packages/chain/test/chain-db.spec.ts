import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, before, beforeEach, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { Bucket, bucketName, ChainDatabase, DbError, DbErrorCode, type StoredBlock } from '../src/db/index.js'
import { blake2b256, EMPTY_TRIE_ROOT, MerkleTrie } from '../src/state/index.js'

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

function block(number: number, extra = ''): StoredBlock {
  const header = utf8(`header ${number}${extra}`)
  return { hash: blake2b256(header), number, header, body: utf8(`body ${number}${extra}`) }
}

function assertDbError(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DbError, `expected DbError, got ${String(err)}`)
    assert.equal(err.code, code)
    return true
  })
}

before(async () => {
  await cryptoWaitReady()
})

describe('ChainDatabase', () => {
  let dir: string
  let db: ChainDatabase | undefined

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-chain-db-'))
  })

  afterEach(async () => {
    await db?.close()
    db = undefined
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: opens a new database in a folder it creates, with nothing in it', () => {
    const where = path.join(dir, 'a', 'b', 'chain.v1')
    db = ChainDatabase.open(where)
    assert.ok(fs.statSync(where).isDirectory())
    const h = new Uint8Array(32)
    assert.equal(db.getNode(h), undefined)
    assert.equal(db.getHeader(h), undefined)
    assert.equal(db.getBody(h), undefined)
    assert.equal(db.getBlockNumber(h), undefined)
    assert.equal(db.getCanonicalHash(0), undefined)
    assert.equal(db.getMeta('best'), undefined)
    assert.equal(db.getNode(new Uint8Array()), undefined)
  })

  it('behavior: the map is read without readahead (random trie reads): its mapping is advised random (smaps VmFlags rr)', () => {
    db = ChainDatabase.open(dir)
    const file = path.join(dir, 'data.mdb')
    const smaps = fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')
    const at = smaps.findIndex((line) => line.endsWith(` ${file}`))
    assert.ok(at >= 0, `${file} is mapped`)
    const flags = smaps.slice(at + 1).find((line) => line.startsWith('VmFlags:'))
    assert.ok(flags?.split(' ').includes('rr') === true, `MADV_RANDOM on the map: ${flags}`)
  })

  it('behavior: commitBlock writes block, number, nodes, canonical entry and meta, kept across reopen', async () => {
    db = ChainDatabase.open(dir)
    const trie = new MerkleTrie(db)
    const { root, nodes } = trie.commit(EMPTY_TRIE_ROOT, [
      [utf8('alice'), utf8('100')],
      [utf8('bob'), utf8('50')],
    ])
    const b0 = block(0)
    db.commitBlock({ block: b0, nodes, canonical: true, meta: { best: b0.hash, genesis: b0.hash } })
    const b1 = block(1)
    db.commitBlock({ block: b1, nodes: [], canonical: true, meta: { best: b1.hash } })
    const fork = block(1, ' fork')
    db.commitBlock({ block: fork, nodes: [], canonical: false })

    const check = (d: ChainDatabase): void => {
      assert.equal(hex(d.getHeader(b0.hash)), hex(b0.header))
      assert.equal(hex(d.getBody(b0.hash)), hex(b0.body))
      assert.equal(d.getBlockNumber(b0.hash), 0)
      assert.equal(d.getBlockNumber(b1.hash), 1)
      assert.equal(d.getBlockNumber(fork.hash), 1)
      assert.equal(hex(d.getHeader(fork.hash)), hex(fork.header))
      assert.equal(hex(d.getCanonicalHash(0)), hex(b0.hash))
      assert.equal(hex(d.getCanonicalHash(1)), hex(b1.hash), 'a non-canonical block leaves the index alone')
      assert.equal(d.getCanonicalHash(2), undefined)
      assert.equal(d.getCanonicalHash(-1), undefined)
      assert.equal(hex(d.getMeta('best')), hex(b1.hash), 'meta is overwritten')
      assert.equal(hex(d.getMeta('genesis')), hex(b0.hash))
      for (const [h, enc] of nodes) assert.equal(hex(d.getNode(h)), hex(enc))
      const reader = new MerkleTrie(d, { cacheSize: 0 })
      assert.equal(new TextDecoder().decode(reader.get(root, utf8('alice'))), '100')
      assert.equal(new TextDecoder().decode(reader.get(root, utf8('bob'))), '50')
    }
    check(db)
    await db.close()
    db = ChainDatabase.open(dir)
    check(db)
  })

  it('behavior: returned bytes are plain Uint8Arrays the caller owns', () => {
    db = ChainDatabase.open(dir)
    const b = block(5)
    db.commitBlock({ block: b, nodes: [], canonical: true })
    const header = db.getHeader(b.hash)!
    assert.equal(Object.getPrototypeOf(header), Uint8Array.prototype)
    header.fill(0)
    assert.equal(hex(db.getHeader(b.hash)), hex(b.header))
  })

  it('behavior: buckets are separate named sub-databases', () => {
    assert.equal(bucketName(Bucket.trieNode), 'b1')
    const numbers = Object.values(Bucket)
    assert.equal(new Set(numbers).size, numbers.length, 'bucket numbers are unique')
  })

  it('error: a write that fails part-way leaves nothing of the block', () => {
    db = ChainDatabase.open(dir)
    const good = [blake2b256(utf8('n1')), utf8('node 1')] as const
    const tooLongKey = new Uint8Array(5000).fill(7) // longer than LMDB's maximum key size
    const b = block(3)
    assertDbError(
      () =>
        db!.commitBlock({
          block: b,
          nodes: [good, [tooLongKey, utf8('x')]],
          canonical: true,
          meta: { best: b.hash },
        }),
      DbErrorCode.WRITE_FAILED,
    )
    assert.equal(db.getNode(good[0]), undefined)
    assert.equal(db.getHeader(b.hash), undefined)
    assert.equal(db.getCanonicalHash(3), undefined)
    assert.equal(db.getMeta('best'), undefined)
    // the database still works afterwards
    db.commitBlock({ block: b, nodes: [good], canonical: true })
    assert.equal(hex(db.getNode(good[0])), hex(good[1]))
  })

  it('error: bad arguments throw DB_ERROR_INVALID_ARGUMENT and write nothing', () => {
    db = ChainDatabase.open(dir)
    const b = block(1)
    assertDbError(() => db!.commitBlock({ block: { ...b, hash: Uint8Array.of(1, 2) }, nodes: [], canonical: true }), DbErrorCode.INVALID_ARGUMENT)
    for (const number of [-1, 1.5, 2 ** 32]) {
      assertDbError(() => db!.commitBlock({ block: { ...b, number }, nodes: [], canonical: true }), DbErrorCode.INVALID_ARGUMENT)
    }
    assertDbError(() => db!.commitBlock({ block: b, nodes: [], canonical: true, meta: { '': b.hash } }), DbErrorCode.INVALID_ARGUMENT)
    assert.equal(db.getHeader(b.hash), undefined)
  })

  it('behavior: appendStateNodes stores nodes in hash order with their place counts; a hash not above the stored ones is refused with DB_ERROR_INVALID_ARGUMENT, nothing written', () => {
    db = ChainDatabase.open(dir, { state: 'pruned' })
    const nodes = [utf8('node a'), utf8('node b'), utf8('node c')].map((e) => [blake2b256(e), e] as const).sort((x, y) => Buffer.compare(x[0], y[0]))
    db.appendStateNodes([
      [nodes[0]![0], nodes[0]![1], 1],
      [nodes[2]![0], nodes[2]![1], 3],
    ])
    assert.equal(hex(db.getNode(nodes[0]![0])), hex(nodes[0]![1]))
    assert.equal(db.nodeRefCount(nodes[0]![0]), 1)
    assert.equal(db.nodeRefCount(nodes[2]![0]), 3)
    // nodes[1] sorts below the last appended hash.
    assertDbError(() => db!.appendStateNodes([[nodes[1]![0], nodes[1]![1], 1]]), DbErrorCode.INVALID_ARGUMENT)
    assert.equal(db.getNode(nodes[1]![0]), undefined)
    assert.equal(db.countNodes(), 2)
  })

  it('error: opening a path that is a regular file throws DB_ERROR_OPEN_FAILED', () => {
    const file = path.join(dir, 'file')
    fs.writeFileSync(file, 'not a database')
    assertDbError(() => ChainDatabase.open(file), DbErrorCode.OPEN_FAILED)
    assertDbError(() => ChainDatabase.open(path.join(file, 'below')), DbErrorCode.OPEN_FAILED)
    try {
      ChainDatabase.open(file)
    } catch (err) {
      assert.ok(err instanceof DbError)
      assert.deepEqual(err.toObject().meta, { path: file })
    }
  })

  it('error: use after close throws DB_ERROR_CLOSED', async () => {
    const closing = ChainDatabase.open(dir)
    await closing.close()
    await closing.close()
    assertDbError(() => closing.getNode(new Uint8Array(32)), DbErrorCode.CLOSED)
    assertDbError(() => closing.commitBlock({ block: block(0), nodes: [], canonical: true }), DbErrorCode.CLOSED)
  })
})
