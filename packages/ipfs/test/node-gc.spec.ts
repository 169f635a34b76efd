import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import type { CID } from 'multiformats/cid'
import { createIpfsNode, type DefaultIpfsNode, IpfsNodeError, IpfsNodeErrorCode, kuboAddOptions, LmdbBlockstore, PinLock, toFetchError } from '../src/index.js'
import { dagBlocks, deterministicBytes, multihashKey, multihashKeys, tempDir } from './fixtures/content.js'

const KiB = 1024

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** Multihash keys of every block in the repo, read from the raw LMDB store. */
async function storedKeys(node: DefaultIpfsNode): Promise<Set<string>> {
  const keys = new Set<string>()
  for (const { cid } of new LmdbBlockstore(node.repo).getAll()) keys.add(multihashKey(cid))
  return keys
}

/** Polls `check` each event-loop turn until it holds; fails after a generous deadline. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function union(...sets: Array<Set<string>>): Set<string> {
  return new Set(sets.flatMap((s) => [...s]))
}

describe('node: pins and garbage collection', () => {
  const dir = tempDir('gc')
  let node: DefaultIpfsNode

  before(async () => {
    node = await createIpfsNode({ repoPath: path.join(dir.path, 'repo'), swarm: ['/ip4/127.0.0.1/tcp/0'], fetchTimeoutMs: 300 })
  })

  after(async () => {
    await node.stop()
    dir.remove()
  })

  const addFile = (size: number, seed: string) => node.fs.addByteStream(deterministicBytes(size, seed, 64 * KiB), kuboAddOptions())
  const pin = (cid: CID) => drain(node.helia.pins.add(cid))
  const blocksOf = async (cid: CID) => multihashKeys(await dagBlocks(node.helia.blockstore, cid))

  it('behavior: gc removes exactly the blocks no pin protects', async () => {
    await node.gc()
    const pinned = await addFile(1200 * KiB, 'gc-pinned')
    const shares = await addFile(700 * KiB, 'gc-pinned') // same first leaves as `pinned`
    const unpinned = await addFile(900 * KiB, 'gc-unpinned')
    let dirCid: CID | undefined
    for await (const e of node.fs.addAll(
      [
        { path: 'site/index.html', content: new TextEncoder().encode('<h1>hi</h1>') },
        { path: 'site/app.js', content: new TextEncoder().encode('console.log(1)') },
      ],
      kuboAddOptions(),
    )) {
      dirCid = e.cid
    }
    await pin(pinned)
    await pin(dirCid!)
    const keep = union(await blocksOf(pinned), await blocksOf(dirCid!))
    const sharedOnly = await blocksOf(shares)
    const unpinnedBlocks = await blocksOf(unpinned)
    assert.ok(
      [...sharedOnly].some((k) => keep.has(k)),
      'the two files share leaves',
    )
    assert.ok(
      [...sharedOnly].some((k) => !keep.has(k)),
      'the shorter file has blocks of its own',
    )

    const removed: CID[] = []
    await node.gc({
      onProgress: (evt) => {
        if (evt.type === 'helia:gc:deleted') removed.push(evt.detail as CID)
      },
    })

    assert.deepEqual(await storedKeys(node), keep)
    assert.equal((await node.repoStat()).numObjects, BigInt(keep.size))
    assert.deepEqual(multihashKeys(removed), new Set([...union(sharedOnly, unpinnedBlocks)].filter((k) => !keep.has(k))))
    // the pinned content still reads back whole
    assert.equal((await dagBlocks(node.helia.blockstore, pinned)).length, (await blocksOf(pinned)).size)
  })

  it('behavior: after unpinning, gc removes what only that pin protected', async () => {
    await node.gc()
    const a = await addFile(900 * KiB, 'gc-a')
    const b = await addFile(500 * KiB, 'gc-a')
    await pin(a)
    await pin(b)
    const aBlocks = await blocksOf(a)
    const bBlocks = await blocksOf(b)
    await drain(node.helia.pins.rm(a))
    assert.equal(await node.helia.pins.isPinned(a), false)
    await node.gc()
    const stored = await storedKeys(node)
    for (const k of bBlocks) assert.ok(stored.has(k), 'blocks of the remaining pin are kept')
    for (const k of aBlocks) if (!bBlocks.has(k)) assert.ok(!stored.has(k), 'blocks only the removed pin held are gone')
    await drain(node.helia.pins.rm(b))
  })

  it('behavior: gc waits for an add + pin running under withPinLock (helia.gc too)', async () => {
    const stray = await addFile(300 * KiB, 'gc-stray')
    let gcDone = false
    // gc is requested from outside the locked call chain (as another API request would be)
    let requestGc!: () => void
    const gc = new Promise<void>((resolve) => {
      requestGc = resolve
    })
      .then(() => node.helia.gc())
      .then(() => {
        gcDone = true
      })
    const added = await node.withPinLock(async () => {
      const cid = await addFile(800 * KiB, 'gc-locked')
      requestGc()
      await until(() => node.pinLock.pendingExclusive === 1, 'gc to wait for the lock')
      assert.equal(gcDone, false, 'gc must not run while the add holds the lock')
      await pin(cid) // pins.add takes the lock too: re-entrant here
      return { cid, gc }
    })
    await added.gc
    assert.equal(gcDone, true)
    assert.equal(await node.helia.pins.isPinned(added.cid), true)
    const stored = await storedKeys(node)
    for (const k of await blocksOf(added.cid)) assert.ok(stored.has(k))
    assert.equal(stored.has(multihashKey(stray)), false, 'gc did run and removed unpinned content')
    await drain(node.helia.pins.rm(added.cid))
  })

  it('error: gc requested inside withPinLock is refused instead of deadlocking', async () => {
    await node.withPinLock(async () => {
      await assert.rejects(node.gc(), (err: IpfsNodeError) => err.code === IpfsNodeErrorCode.LOCK_ORDER)
    })
  })

  it('behavior: a pin that fails midway leaves no pin records, so gc can remove the DAG', async () => {
    await node.gc()
    const cid = await addFile(1100 * KiB, 'gc-broken')
    const blocks = await dagBlocks(node.helia.blockstore, cid)
    // lose one leaf: the pin walk must fetch it, nobody has it, the fetch times out
    await new LmdbBlockstore(node.repo).delete(blocks[blocks.length - 1]!)
    await assert.rejects(pin(cid), (err: unknown) => {
      const mapped = toFetchError(err, cid)
      assert.ok(mapped instanceof IpfsNodeError, String(err))
      assert.equal(mapped.code, IpfsNodeErrorCode.NOT_FOUND)
      return true
    })
    assert.equal(await node.helia.pins.isPinned(cid), false)
    for (const block of blocks) assert.equal(await node.helia.pins.isPinned(block), false, 'no per-block pin record was committed')
    assert.equal(await node.helia.datastore.has(new Key(`/pin/${cid.toV1().toString(base36)}`)), false)
    await node.gc()
    const stored = await storedKeys(node)
    for (const block of blocks) assert.equal(stored.has(multihashKey(block)), false)
  })
})

describe('node: pin lock', () => {
  it('behavior: shared holders run together; an exclusive request waits for them and holds back new ones', async () => {
    const lock = new PinLock()
    const events: string[] = []
    let releaseFirst!: () => void
    const first = lock.withShared(
      () =>
        new Promise<void>((resolve) => {
          events.push('shared 1 in')
          releaseFirst = () => {
            events.push('shared 1 out')
            resolve()
          }
        }),
    )
    await until(() => lock.sharedHolders === 1, 'first shared holder')
    const exclusive = lock.withExclusive(async () => {
      events.push('exclusive')
    })
    await until(() => lock.pendingExclusive === 1, 'exclusive request queued')
    const second = lock.withShared(async () => {
      events.push('shared 2')
    })
    releaseFirst()
    await Promise.all([first, exclusive, second])
    assert.deepEqual(events, ['shared 1 in', 'shared 1 out', 'exclusive', 'shared 2'])
  })

  it('behavior: shared holds are re-entrant within one call chain, and iterateShared holds across the iteration', async () => {
    const lock = new PinLock()
    const inner = await lock.withShared(() => lock.withShared(async () => lock.sharedHolders))
    assert.equal(inner, 1)
    const seen: number[] = []
    for await (const n of lock.iterateShared(async function* () {
      yield lock.sharedHolders
      yield lock.sharedHolders
    })) {
      seen.push(n, lock.sharedHolders)
    }
    assert.deepEqual(seen, [1, 1, 1, 1])
    assert.equal(lock.sharedHolders, 0)
  })
})
