/**
 * SIGKILL safety of the repo: a child process adds and pins content in a loop and is killed at a
 * random point; the reopened repo must hold every acknowledged pin and block, no half-written pin,
 * and after gc exactly the blocks of the pins.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CID } from 'multiformats/cid'
import { createIpfsNode, LmdbBlockstore } from '../src/index.js'
import { dagBlocks, deterministicBytes, multihashKey, multihashKeys, sha256Hex, tempDir } from './fixtures/content.js'
import { pinnedSize, unpinnedSize } from './fixtures/crash-adder.js'

const CHILD = fileURLToPath(new URL('./fixtures/crash-adder.js', import.meta.url))
const KiB = 1024

interface Printed {
  kind: 'pinning' | 'pinned' | 'unpinned'
  index: number
  cid: CID
}

/** Where in the child's loop the kill lands: on the n-th line of a kind. */
interface KillPoint {
  kind: Printed['kind']
  count: number
  /** What the child is doing when the line arrives. */
  during: string
}

/** Runs the child on `repoPath` until it has printed the kill point's line, then SIGKILLs it. */
async function runAndKill(repoPath: string, at: KillPoint): Promise<Printed[]> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, repoPath], { stdio: ['pipe', 'pipe', 'inherit'] })
  const printed: Printed[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  await new Promise<void>((resolve, reject) => {
    let partial = ''
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop()!
      for (const line of parts) {
        const [kind, index, cid] = line.split(' ')
        printed.push({ kind: kind as Printed['kind'], index: Number(index), cid: CID.parse(cid!) })
      }
      if (printed.filter((p) => p.kind === at.kind).length >= at.count && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL')
        resolve()
      }
    })
    child.once('exit', (code, signal) => {
      if (!child.killed) reject(new Error(`child exited early (code ${code}, signal ${signal}) after ${printed.length} lines`))
    })
  })
  const { signal } = await exited
  assert.equal(signal, 'SIGKILL')
  return printed
}

describe('node: SIGKILL while adding and pinning', { concurrency: 2 }, () => {
  const killPoints: KillPoint[] = [
    { kind: 'pinning', count: 2, during: 'a pin walk' },
    { kind: 'pinning', count: 4, during: 'a pin walk' },
    { kind: 'pinned', count: 3, during: 'an unpinned add' },
    { kind: 'unpinned', count: 3, during: 'an add that will be pinned' },
  ]
  for (const at of killPoints) {
    it(`behavior: killed during ${at.during} (${at.kind} #${at.count}), the repo reopens with every acknowledged pin whole and gc keeps exactly the pins`, async () => {
      const dir = tempDir('crash')
      try {
        const repoPath = path.join(dir.path, 'repo')
        const printed = await runAndKill(repoPath, at)
        assert.ok(
          printed.some((p) => p.kind === 'unpinned'),
          'at least one unpinned DAG was acknowledged',
        )

        // the dead child's lock is stale: the repo opens
        const node = await createIpfsNode({ repoPath, swarm: ['/ip4/127.0.0.1/tcp/0'], fetchTimeoutMs: 500 })
        try {
          const offline = { get: (cid: CID) => node.helia.blockstore.get(cid, { offline: true }) }
          // every acknowledged pin is there, with its exact content
          for (const p of printed.filter((x) => x.kind === 'pinned')) {
            assert.equal(await node.helia.pins.isPinned(p.cid), true, `pin ${p.index} survived`)
            const expected = await sha256Hex(deterministicBytes(pinnedSize(p.index), `crash-pinned-${p.index}`, 64 * KiB))
            assert.equal(await sha256Hex(node.fs.cat(p.cid, { offline: true })), expected)
          }
          // every acknowledged unpinned DAG is whole before gc
          const unpinned = new Set<string>()
          for (const p of printed.filter((x) => x.kind === 'unpinned')) {
            const expected = await sha256Hex(deterministicBytes(unpinnedSize(p.index), `crash-unpinned-${p.index}`, 64 * KiB))
            assert.equal(await sha256Hex(node.fs.cat(p.cid, { offline: true })), expected)
            for (const k of multihashKeys(await dagBlocks(offline, p.cid))) unpinned.add(k)
          }
          // no half-written pin: every recorded pin (acknowledged or not) has its whole DAG
          const keep = new Set<string>()
          const roots: string[] = []
          for await (const pin of node.helia.pins.ls()) {
            roots.push(pin.cid.toString())
            for (const k of multihashKeys(await dagBlocks(offline, pin.cid))) keep.add(k)
          }
          // Helia lists pins as CIDv1
          for (const p of printed.filter((x) => x.kind === 'pinned')) assert.ok(roots.includes(p.cid.toV1().toString()))

          await node.gc()

          const stored = new Set<string>()
          for (const { cid } of new LmdbBlockstore(node.repo).getAll()) stored.add(multihashKey(cid))
          assert.deepEqual(stored, keep, 'after gc the repo holds exactly the blocks of the pins')
          for (const k of unpinned) assert.equal(stored.has(k), keep.has(k))
          for (const root of roots) assert.equal(await node.helia.pins.isPinned(CID.parse(root)), true)
        } finally {
          await node.stop()
        }
      } finally {
        dir.remove()
      }
    })
  }
})
