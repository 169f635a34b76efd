/**
 * A full disk (a small tmpfs, filled to the last byte; needs root to mount): `add` fails and tells
 * no CID for blocks the repo does not hold, the node stays up (the disk reserve refuses the writes
 * before lmdb can fail a commit: none does; the CLI's guard for lmdb's own rejections is installed
 * here as `crust` installs it, in case), and once the disk is freed it adds again. On the old code `add` answered 200 with the CID of blocks that were never
 * committed, and the node died of an unhandled rejection.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { isLmdbCommitFailure } from '@crust-ts/base'
import { createIpfsNode, createKuboApiServer, type IpfsNode } from '../src/index.js'

const root = process.getuid?.() === 0

// In CI (root) it always runs; elsewhere it needs root to mount.
describe('repo on a full disk', { skip: root || process.env.CI === 'true' ? false : 'needs root to mount a small tmpfs' }, () => {
  let dir: string
  let node: IpfsNode
  let api: ReturnType<typeof createKuboApiServer>
  let url: string
  /** Unhandled rejections seen: lmdb's own ones are let pass (as the CLI's guard does), any other fails the test. */
  const lmdbRejections: unknown[] = []
  const others: unknown[] = []
  const onRejection = (reason: unknown) => (isLmdbCommitFailure(reason) ? lmdbRejections : others).push(reason)

  /** The test runner's own listener counts every unhandled rejection as a failure: it is set aside while the guard's stand-in listens. */
  let runnerListeners: NodeJS.UnhandledRejectionListener[] = []

  before(async () => {
    runnerListeners = process.listeners('unhandledRejection')
    process.removeAllListeners('unhandledRejection')
    process.on('unhandledRejection', onRejection)
    dir = mkdtempSync(join(tmpdir(), 'repo-disk-full-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${8 * 2 ** 20}`, 'repo-disk-full', dir])
    node = await createIpfsNode({ repoPath: join(dir, 'ipfs'), swarm: ['/ip4/127.0.0.1/tcp/0'] })
    api = createKuboApiServer(node, { port: 0 })
    url = `http://127.0.0.1:${(await api.start()).port}`
  })

  after(async () => {
    await api?.stop()
    await node?.stop()
    if (dir !== undefined) {
      execFileSync('umount', [dir])
      rmSync(dir, { recursive: true, force: true })
    }
    process.off('unhandledRejection', onRejection)
    for (const l of runnerListeners) process.on('unhandledRejection', l)
  })

  const add = async (seed: number) => {
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(200_000).map((_, i) => (i * 7 + seed) % 251)]), 'file.bin')
    const res = await fetch(`${url}/api/v0/add`, { method: 'POST', body: form })
    return { status: res.status, body: await res.text() }
  }

  it('error: add on a full disk fails (507, saying to free space) without a CID, the node stays up, and adds again once the disk is freed', async () => {
    const fill = join(dir, 'fill')
    const fd = openSync(fill, 'w')
    const chunk = Buffer.alloc(64 * 1024)
    try {
      for (;;) writeSync(fd, chunk)
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC')
    } finally {
      closeSync(fd)
    }
    for (const seed of [1, 2]) {
      const full = await add(seed)
      // 507 Insufficient Storage, with what to do: not a 500 that reads like a bug.
      assert.equal(full.status, 507, `add on a full disk: ${full.body}`)
      assert.match(full.body, /is full: .*free some space/)
      assert.doesNotMatch(full.body, /"Hash"/, 'no CID told for blocks the repo does not hold')
    }
    unlinkSync(fill)
    const freed = await add(3)
    assert.equal(freed.status, 200, freed.body)
    const { Hash } = JSON.parse(freed.body) as { Hash: string }
    const cat = await fetch(`${url}/api/v0/cat?arg=${Hash}&offline=true`, { method: 'POST' })
    assert.equal(cat.status, 200)
    assert.equal((await cat.arrayBuffer()).byteLength, 200_000)
    assert.deepEqual(others, [], 'no other unhandled rejection')
    // The disk reserve refuses the writes before lmdb sees the full disk: no commit of lmdb's failed.
    assert.deepEqual(lmdbRejections, [], 'no lmdb commit failed')
  })
})
