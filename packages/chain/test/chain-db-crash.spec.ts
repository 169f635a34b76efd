import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { ChainDatabase } from '../src/db/index.js'
import { blake2b256, EMPTY_TRIE_ROOT, MemoryNodeStore, MerkleTrie } from '../src/state/index.js'
import { bodyFor, changesFor, GENESIS_PARENT, makeBlock, parseHeader } from './fixtures/crash-chain.js'
import { trieNodeCounts } from './fixtures/trie-walk.js'

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.js', import.meta.url))
const ROUNDS = 5
const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'))

interface Run {
  child: ChildProcess
  /** Numbers printed so far (complete lines only). */
  printed: number[]
  exited: Promise<void>
}

function startWriter(dir: string, keep?: number): Run {
  const child = spawn(process.execPath, [WRITER, dir, ...(keep === undefined ? [] : ['10000', String(keep)])], { stdio: ['pipe', 'pipe', 'inherit'] })
  const printed: number[] = []
  let partial = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) printed.push(Number(line))
    child.emit('printed')
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return { child, printed, exited }
}

/** Resolves once the child has printed `count` numbers; rejects if it exits first. */
function waitForPrinted(run: Run, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (run.printed.length >= count) {
        run.child.off('printed', check)
        run.child.off('exit', early)
        resolve()
      }
    }
    const early = (code: number | null, signal: string | null): void => {
      run.child.off('printed', check)
      reject(new Error(`writer exited early (code ${code}, signal ${signal}) after ${run.printed.length} blocks`))
    }
    run.child.on('printed', check)
    run.child.once('exit', early)
    check()
  })
}

/** Expected state after block `n`, replayed from the deterministic changes. */
class Replay {
  private readonly store = new MemoryNodeStore()
  private readonly trie = new MerkleTrie(this.store)
  readonly model = new Map<string, Uint8Array>()
  readonly roots: Uint8Array[] = []
  readonly hashes: Uint8Array[] = []

  /** Replays blocks up to and including `n`. */
  upTo(n: number): void {
    while (this.roots.length <= n) {
      const i = this.roots.length
      const changes = changesFor(i)
      const { root, nodes } = this.trie.commit(this.roots[i - 1] ?? EMPTY_TRIE_ROOT, changes)
      this.store.put(nodes)
      for (const [k, v] of changes) {
        if (v === null) this.model.delete(hex(k)!)
        else this.model.set(hex(k)!, v)
      }
      this.roots.push(root)
      this.hashes.push(makeBlock(i, this.hashes[i - 1] ?? GENESIS_PARENT, root).hash)
    }
  }

  /** Hash of the block after the last replayed one, without replaying it. */
  nextHash(): Uint8Array {
    const n = this.roots.length
    const { root } = this.trie.commit(this.roots[n - 1]!, changesFor(n))
    return makeBlock(n, this.hashes[n - 1]!, root).hash
  }
}

before(async () => {
  await cryptoWaitReady()
})

describe('ChainDatabase crash safety', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-chain-crash-'))
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('behavior: after SIGKILL at random points the database reopens on the last committed block, whole', async (t) => {
    const replay = new Replay()
    let expectedFirst = 0
    for (let round = 0; round < ROUNDS; round++) {
      const run = startWriter(dir)
      const target = 3 + Math.floor(Math.random() * 30)
      // half of the rounds kill right on seeing the target line, the others a random moment later
      const delay = round % 2 === 0 ? 0 : Math.random() * 25
      try {
        await waitForPrinted(run, target)
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
      } finally {
        run.child.kill('SIGKILL')
        await run.exited
      }
      assert.equal(run.child.signalCode, 'SIGKILL')
      assert.equal(run.printed[0], expectedFirst, 'the writer continues from best + 1')
      const lastPrinted = run.printed.at(-1)!
      assert.deepEqual(
        run.printed,
        Array.from({ length: run.printed.length }, (_, i) => expectedFirst + i),
      )

      const db = ChainDatabase.open(dir)
      try {
        const best = db.getMeta('best')
        assert.ok(best !== undefined, 'best is set')
        const bestNumber = db.getBlockNumber(best)
        assert.ok(bestNumber !== undefined, 'best block has a number')
        assert.ok(bestNumber >= lastPrinted, `best ${bestNumber} >= last printed ${lastPrinted}`)
        t.diagnostic(`round ${round}: killed ${delay.toFixed(1)} ms after line ${target}, last printed ${lastPrinted}, best ${bestNumber}`)
        replay.upTo(bestNumber)

        // the canonical chain, headers and bodies up to best
        for (let n = 0; n <= bestNumber; n++) {
          const hash = db.getCanonicalHash(n)
          assert.equal(hex(hash), hex(replay.hashes[n]), `canonical hash of ${n}`)
          assert.equal(db.getBlockNumber(hash!), n)
          const header = db.getHeader(hash!)
          assert.ok(header !== undefined, `header of ${n}`)
          assert.equal(hex(blake2b256(header)), hex(hash))
          const fields = parseHeader(header)
          assert.equal(fields.number, n)
          assert.equal(hex(fields.parent), hex(n === 0 ? GENESIS_PARENT : replay.hashes[n - 1]))
          assert.equal(hex(fields.stateRoot), hex(replay.roots[n]))
          assert.equal(hex(db.getBody(hash!)), hex(bodyFor(n)), `body of ${n}`)
        }
        assert.equal(hex(best), hex(db.getCanonicalHash(bestNumber)))
        // nothing of the block after best: it was either wholly committed (and is best) or not at all
        const nextHash = replay.nextHash()
        assert.equal(db.getCanonicalHash(bestNumber + 1), undefined)
        assert.equal(db.getHeader(nextHash), undefined)
        assert.equal(db.getBody(nextHash), undefined)
        assert.equal(db.getBlockNumber(nextHash), undefined)

        // every trie node of the best state: walk the whole trie, compare with the replayed state
        const stateRoot = parseHeader(db.getHeader(best)!).stateRoot
        const trie = new MerkleTrie(db, { cacheSize: 0 })
        const entries = [...trie.entries(stateRoot, new Uint8Array())].map(([k, v]) => [hex(k), hex(v)])
        const expected = [...replay.model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, hex(v)])
        assert.equal(entries.length, expected.length)
        assert.deepEqual(entries, expected)
        expectedFirst = bestNumber + 1
      } finally {
        await db.close()
      }
    }
  })

  it('behavior: pruned, after SIGKILL at random points during pruning commits the database holds exactly the kept states', async (t) => {
    const KEEP = 4
    const prunedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-chain-crash-pruned-'))
    const replay = new Replay()
    let expectedFirst = 0
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const run = startWriter(prunedDir, KEEP)
        const target = 3 + Math.floor(Math.random() * 20)
        const delay = round % 2 === 0 ? 0 : Math.random() * 25
        try {
          await waitForPrinted(run, target)
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
        } finally {
          run.child.kill('SIGKILL')
          await run.exited
        }
        assert.equal(run.printed[0], expectedFirst, 'the writer continues from best + 1')
        const db = ChainDatabase.open(prunedDir, { state: 'pruned' })
        try {
          const best = db.getMeta('best')!
          const bestNumber = db.getBlockNumber(best)!
          assert.ok(bestNumber >= run.printed.at(-1)!)
          replay.upTo(bestNumber)
          t.diagnostic(`round ${round}: killed ${delay.toFixed(1)} ms after line ${target}, best ${bestNumber}`)
          // Kept: the states of blocks max(0, best - KEEP) .. best; every node of theirs, nothing else.
          const kept = new Map<string, number>()
          for (let n = Math.max(0, bestNumber - KEEP); n <= bestNumber; n++) trieNodeCounts(db, replay.roots[n]!, kept)
          assert.equal(db.countNodes(), kept.size, `round ${round}: stored nodes = nodes of the kept states`)
          for (const [h, places] of kept) {
            const refs = db.nodeRefCount(Buffer.from(h, 'hex'))
            assert.ok(refs >= 1 && refs <= places, `refs of ${h}: ${refs} for ${places} places in the kept states`)
          }
          assert.deepEqual(
            db.journaledBlocks().map(([n]) => n),
            bestNumber === 0 ? [] : [bestNumber],
            'only the best block is not final',
          )
          const trie = new MerkleTrie(db, { cacheSize: 0 })
          const entries = [...trie.entries(replay.roots[bestNumber]!, new Uint8Array())].map(([k, v]) => [hex(k), hex(v)])
          const expected = [...replay.model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, hex(v)])
          assert.deepEqual(entries, expected)
          expectedFirst = bestNumber + 1
        } finally {
          await db.close()
        }
      }
    } finally {
      fs.rmSync(prunedDir, { recursive: true, force: true })
    }
  })
})
