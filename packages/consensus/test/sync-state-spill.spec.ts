/** The temporary file of a state download's trie nodes: records read back in order across its read blocks, re-readable, removed on dispose. */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { NodeSpillFile } from '../src/sync-state-spill.js'

describe('NodeSpillFile', () => {
  it('behavior: nodes come back in order, also those crossing the 16 MiB read blocks and after the file was read once; dispose removes the folder', () => {
    const parent = mkdtempSync(join(tmpdir(), 'crust-spill-spec-'))
    try {
      const spill = new NodeSpillFile(parent)
      // 7 MB encodings straddle the 16 MiB blocks, a 17 MB one is larger than a block; small ones in between shift the boundaries.
      const sizes = [7_000_000, 3, 17_000_000, 0, 7_000_000, 100, 7_000_000]
      const added = sizes.map((size, i) => [new Uint8Array(32).fill(i + 1), new Uint8Array(size).fill(i + 7)] as const)
      for (const [hash, encoding] of added) spill.add(hash, encoding)
      assert.equal(spill.count, sizes.length)
      for (let pass = 0; pass < 2; pass++) {
        const read = [...spill.nodes()]
        assert.equal(read.length, added.length)
        read.forEach(([hash, encoding], i) => {
          assert.deepEqual(hash, added[i]![0])
          assert.equal(encoding.length, sizes[i])
          assert.ok(encoding.every((b) => b === i + 7))
        })
      }
      assert.equal(readdirSync(parent).length, 1)
      spill.dispose()
      spill.dispose()
      assert.deepEqual(readdirSync(parent), [])
    } finally {
      if (existsSync(parent)) rmSync(parent, { recursive: true, force: true })
    }
  })

  it('behavior: sortedNodes gives each node once, ascending by hash, with its count of places, the same from one in-memory run as merged from runs on disk, which are removed afterwards', () => {
    const parent = mkdtempSync(join(tmpdir(), 'crust-spill-spec-'))
    try {
      // 3,000 adds of 1,000 distinct nodes in a shuffled order: some hashes come several times, in different runs.
      const hashOf = (i: number) => blake2AsU8a(Uint8Array.of(i >> 8, i & 0xff), 256)
      const adds = Array.from({ length: 3000 }, (_, k) => (k * 7919) % 1000)
      const expected = new Map<string, { encoding: Uint8Array; places: number }>()
      for (const i of adds) {
        const key = Buffer.from(hashOf(i)).toString('hex')
        const known = expected.get(key)
        if (known === undefined) expected.set(key, { encoding: new Uint8Array(1 + (i % 300)).fill(i & 0xff), places: 1 })
        else known.places++
      }
      const ordered = [...expected.keys()].sort()
      for (const runBytes of [1 << 30, 4096]) {
        const spill = new NodeSpillFile(parent, runBytes)
        for (const i of adds) spill.add(hashOf(i), new Uint8Array(1 + (i % 300)).fill(i & 0xff))
        const folder = join(parent, readdirSync(parent)[0]!)
        for (let pass = 0; pass < 2; pass++) {
          const sorted = [...spill.sortedNodes()]
          assert.deepEqual(
            sorted.map(([hash]) => Buffer.from(hash).toString('hex')),
            ordered,
          )
          for (const [hash, encoding, places] of sorted) {
            const want = expected.get(Buffer.from(hash).toString('hex'))!
            assert.equal(places, want.places)
            assert.deepEqual(encoding, want.encoding)
          }
          assert.deepEqual(readdirSync(folder), ['nodes'], 'the sorted runs are removed once merged')
        }
        spill.dispose()
      }
      assert.deepEqual(readdirSync(parent), [])
    } finally {
      if (existsSync(parent)) rmSync(parent, { recursive: true, force: true })
    }
  })
})
