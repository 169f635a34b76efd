/** The temporary file of a state download's trie nodes: records read back in order across its read blocks, re-readable, removed on dispose. */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NodeSpillFile } from '../src/sync-state-spill.js'

describe('NodeSpillFile', () => {
  it('behavior: nodes come back in order, also those crossing the 16 MiB read blocks and after the file was read once; dispose removes the folder', () => {
    const parent = mkdtempSync(join(tmpdir(), 'crust-spill-spec-'))
    try {
      const spill = new NodeSpillFile(parent)
      // 7 MB encodings straddle the 16 MiB blocks; small ones in between shift the boundaries.
      const sizes = [7_000_000, 3, 7_000_000, 0, 7_000_000, 100, 7_000_000]
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
})
