import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import { Key } from 'interface-datastore'
import { open } from 'lmdb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { acquireRepoLock, Bucket, bucketName, LmdbBlockstore, LmdbDatastore, LmdbRepo, REPO_LOCK_FILE, type RepoError, RepoErrorCode } from '../src/index.js'
import { bytes as b, collect, tempDir } from './fixtures/content.js'

async function block(content: string, codec = raw.code): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = codec === raw.code ? new TextEncoder().encode(content) : dagPb.encode({ Data: new TextEncoder().encode(content), Links: [] })
  return { cid: CID.createV1(codec, await sha256.digest(bytes)), bytes }
}

async function drain<T>(it: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('node store: LMDB block store', () => {
  let dir: ReturnType<typeof tempDir>
  let repo: LmdbRepo
  let store: LmdbBlockstore

  beforeEach(() => {
    dir = tempDir('store')
    repo = LmdbRepo.open({ path: path.join(dir.path, 'db') })
    store = new LmdbBlockstore(repo)
  })

  afterEach(async () => {
    await repo.close()
    dir.remove()
  })

  it('behavior: put, has, get and delete a block', async () => {
    const { cid, bytes } = await block('one')
    assert.equal(store.has(cid), false)
    assert.equal(await store.put(cid, bytes), cid)
    assert.equal(store.has(cid), true)
    assert.deepEqual(await collect(store.get(cid)), b(bytes))
    await store.delete(cid)
    assert.equal(store.has(cid), false)
  })

  it('behavior: a block given as chunks is stored whole', async () => {
    const { cid, bytes } = await block('chunked block content')
    await store.put(
      cid,
      (async function* () {
        yield bytes.subarray(0, 5)
        yield bytes.subarray(5)
      })(),
    )
    assert.deepEqual(await collect(store.get(cid)), b(bytes))
  })

  it('behavior: blocks are keyed by multihash, so CIDv0 and CIDv1 (any codec) share one block', async () => {
    const { cid, bytes } = await block('pb node', dagPb.code)
    const v0 = cid.toV0()
    await store.put(v0, bytes)
    assert.equal(store.has(cid), true)
    assert.equal(store.has(CID.createV1(raw.code, cid.multihash)), true)
    assert.deepEqual(await collect(store.get(cid)), b(bytes))
    assert.equal(repo.stat().blocks, 1)
  })

  it('error: get of a missing block throws a NotFoundError with a code', async () => {
    const { cid } = await block('absent')
    assert.throws(
      () => [...store.get(cid)],
      (err: Error & { code?: string }) => {
        assert.equal(err.name, 'NotFoundError')
        assert.equal(err.code, 'IPFS_ERROR_STORE_NOT_FOUND')
        return true
      },
    )
  })

  it('behavior: putMany yields every CID once committed; getMany, getAll and deleteMany see them', async () => {
    const blocks = await Promise.all(Array.from({ length: 50 }, (_, i) => block(`block ${i}`)))
    const put = await drain(store.putMany(blocks))
    assert.deepEqual(
      put.map(String),
      blocks.map((x) => x.cid.toString()),
    )
    assert.equal(repo.stat().blocks, 50)
    const got = await drain(store.getMany(blocks.map((x) => x.cid)))
    for (const [i, pair] of got.entries()) assert.deepEqual(await collect(pair.bytes), b(blocks[i]!.bytes))
    const all = await drain(store.getAll())
    assert.equal(all.length, 50)
    const byKey = new Map(blocks.map((x) => [x.cid.toString(), b(x.bytes)] as const))
    for (const pair of all) {
      assert.equal(pair.cid.code, raw.code)
      assert.deepEqual(await collect(pair.bytes), byKey.get(pair.cid.toString()))
    }
    const deleted = await drain(store.deleteMany(blocks.slice(0, 20).map((x) => x.cid)))
    assert.equal(deleted.length, 20)
    assert.equal(repo.stat().blocks, 30)
  })

  it('behavior: blocks survive closing and reopening the repo', async () => {
    const { cid, bytes } = await block('durable')
    await store.put(cid, bytes)
    await repo.close()
    repo.reopen()
    assert.deepEqual(await collect(store.get(cid)), b(bytes))
  })

  it('behavior: stat counts blocks and their pages without reading them', async () => {
    const big = new Uint8Array(300_000).fill(7)
    const cid = CID.createV1(raw.code, await sha256.digest(big))
    await store.put(cid, big)
    const stat = repo.stat()
    assert.equal(stat.blocks, 1)
    assert.ok(stat.blockBytes >= big.length, `${stat.blockBytes} < ${big.length}`)
    assert.ok(stat.fileBytes >= stat.blockBytes)
  })

  it('error: use after close throws IPFS_ERROR_REPO_CLOSED', async () => {
    await repo.close()
    const { cid } = await block('closed')
    assert.throws(
      () => store.has(cid),
      (err: RepoError) => err.code === RepoErrorCode.CLOSED,
    )
    repo.reopen()
  })

  it('error: a repo of another format version is refused', async () => {
    await repo.close()
    // rewrite the version record (bucket 3, meta) as another format would have written it
    const env = open({ path: path.join(dir.path, 'db'), maxDbs: 8 })
    await env
      .openDB<Uint8Array, Uint8Array>({ name: bucketName(Bucket.meta), encoding: 'binary', keyEncoding: 'binary' })
      .put(new TextEncoder().encode('version'), new TextEncoder().encode('other@9'))
    await env.close()
    assert.throws(
      () => LmdbRepo.open({ path: path.join(dir.path, 'db') }),
      (err: RepoError) => err.code === RepoErrorCode.VERSION_MISMATCH,
    )
    repo = LmdbRepo.open({ path: path.join(dir.path, 'db2') })
  })
})

describe('node store: LMDB datastore', () => {
  let dir: ReturnType<typeof tempDir>
  let repo: LmdbRepo
  let ds: LmdbDatastore
  const v = (s: string) => b(new TextEncoder().encode(s))

  beforeEach(() => {
    dir = tempDir('ds')
    repo = LmdbRepo.open({ path: path.join(dir.path, 'db') })
    ds = new LmdbDatastore(repo)
  })

  afterEach(async () => {
    await repo.close()
    dir.remove()
  })

  it('behavior: put, get, has, delete', async () => {
    const key = new Key('/pin/abc')
    await ds.put(key, v('x'))
    assert.equal(await ds.has(key), true)
    assert.deepEqual(b(await ds.get(key)), v('x'))
    await ds.delete(key)
    assert.equal(await ds.has(key), false)
    await assert.rejects(ds.get(key), (err: Error) => err.name === 'NotFoundError')
  })

  it('behavior: a prefix query returns exactly the keys under the prefix', async () => {
    for (const k of ['/pin/a', '/pin/b', '/pinned-block/c', '/pio', '/peers/x']) await ds.put(new Key(k), v(k))
    const pins = await drain(ds.query({ prefix: '/pin/' }))
    assert.deepEqual(pins.map((p) => p.key.toString()).sort(), ['/pin/a', '/pin/b'])
    const keys = await drain(ds.queryKeys({ prefix: '/pi' }))
    assert.deepEqual(keys.map(String).sort(), ['/pin/a', '/pin/b', '/pinned-block/c', '/pio'])
    assert.equal((await drain(ds.query({}))).length, 5)
  })

  it('behavior: a batch commits its puts and deletes together', async () => {
    await ds.put(new Key('/old'), v('1'))
    const batch = ds.batch()
    batch.put(new Key('/a'), v('a'))
    batch.put(new Key('/b'), v('b'))
    batch.delete(new Key('/old'))
    assert.equal(await ds.has(new Key('/a')), false)
    await batch.commit()
    assert.deepEqual((await drain(ds.queryKeys({}))).map(String).sort(), ['/a', '/b'])
  })

  it('behavior: writes in an atomic scope are visible inside it and stored only on commit', async () => {
    const scope = ds.openScope()
    await ds.runInScope(scope, async () => {
      await ds.put(new Key('/s/1'), v('one'))
      await ds.delete(new Key('/s/1'))
      await ds.put(new Key('/s/2'), v('two'))
      assert.deepEqual(b(await ds.get(new Key('/s/2'))), v('two'))
      assert.equal(await ds.has(new Key('/s/1')), false)
      assert.deepEqual((await drain(ds.queryKeys({ prefix: '/s/' }))).map(String), ['/s/2'])
    })
    assert.equal(await ds.has(new Key('/s/2')), false)
    await ds.commitScope(scope)
    assert.deepEqual(b(await ds.get(new Key('/s/2'))), v('two'))
    // a scope that is never committed leaves nothing behind
    const dropped = ds.openScope()
    await ds.runInScope(dropped, () => ds.put(new Key('/s/3'), v('three')))
    assert.equal(await ds.has(new Key('/s/3')), false)
  })
})

describe('node store: repo lock', () => {
  it('error: a repo locked by a live process cannot be locked again', () => {
    const dir = tempDir('lock')
    try {
      const lock = acquireRepoLock(dir.path)
      assert.throws(
        () => acquireRepoLock(dir.path),
        (err: RepoError) => {
          assert.equal(err.code, RepoErrorCode.LOCKED)
          assert.equal(err.meta?.['pid'], process.pid)
          return true
        },
      )
      lock.release()
      acquireRepoLock(dir.path).release()
    } finally {
      dir.remove()
    }
  })

  it('behavior: a lock left by a dead process is taken over', () => {
    const dir = tempDir('lock')
    try {
      // a process that has exited: its pid is not alive any more
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      fs.writeFileSync(path.join(dir.path, REPO_LOCK_FILE), `${child.stdout}\n`)
      const lock = acquireRepoLock(dir.path)
      assert.equal(fs.readFileSync(path.join(dir.path, REPO_LOCK_FILE), 'utf8').split(' ')[0], String(process.pid))
      lock.release()
      assert.equal(fs.existsSync(path.join(dir.path, REPO_LOCK_FILE)), false)
    } finally {
      dir.remove()
    }
  })

  // A chaos run's storage node restarted on a full disk said only "cannot create the repo lock".
  it('error: on a full disk the lock error says so and what to do, leaves no lock file, and the lock is taken once space is freed', {
    skip: process.getuid?.() === 0 || process.env.CI === 'true' ? false : 'needs root to mount a small tmpfs',
  }, () => {
    const dir = tempDir('lock-full')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'lock-full', dir.path])
    try {
      const filler = path.join(dir.path, 'filler')
      const fd = fs.openSync(filler, 'w')
      try {
        for (;;) fs.writeSync(fd, new Uint8Array(4096))
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC')
      } finally {
        fs.closeSync(fd)
      }
      assert.throws(
        () => acquireRepoLock(dir.path),
        (err: RepoError) => {
          assert.equal(err.code, RepoErrorCode.OPEN_FAILED)
          assert.equal(err.message, `cannot create the repo lock: the disk holding ${dir.path} is full; free some space and start again`)
          return true
        },
      )
      assert.equal(fs.existsSync(path.join(dir.path, REPO_LOCK_FILE)), false, 'no empty lock file left')
      fs.rmSync(filler)
      acquireRepoLock(dir.path).release()
    } finally {
      execFileSync('umount', [dir.path])
      dir.remove()
    }
  })

  it('behavior: a lock whose pid was reused by another process is taken over', () => {
    const dir = tempDir('lock')
    try {
      // our own pid, but recorded with another start time: the pid was reused
      fs.writeFileSync(path.join(dir.path, REPO_LOCK_FILE), `${process.pid} 1\n`)
      const hasProc = fs.existsSync('/proc/self/stat')
      if (hasProc) acquireRepoLock(dir.path).release()
      else assert.throws(() => acquireRepoLock(dir.path))
    } finally {
      dir.remove()
    }
  })
})
