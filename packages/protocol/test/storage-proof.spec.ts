/**
 * Content commitments and segment proofs: the streaming builder against a plain level-by-level
 * reference, proofs for every segment at every kept height, the proof size bound, committed vectors,
 * and forged proofs that must not verify.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { storageProof } from '../src/index.js'

const {
  ContentTreeBuilder,
  SEGMENT_SIZE,
  chunkRange,
  contentCommitment,
  contentTree,
  hashSubtrees,
  maxProofBytes,
  pathLength,
  proveSegment,
  segmentCount,
  verifySegmentProof,
} = storageProof

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** The construction written out plainly: leaves, then levels pairing neighbours and carrying an odd last node up. */
function referenceRoot(content: Uint8Array): Uint8Array {
  const leaves: Uint8Array[] = []
  for (let at = 0; at < content.length || leaves.length === 0; at += SEGMENT_SIZE) leaves.push(sha(Uint8Array.of(0), content.subarray(at, at + SEGMENT_SIZE)))
  let level = leaves
  while (level.length > 1) {
    const up: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? sha(Uint8Array.of(1), level[i]!, level[i + 1]!) : level[i]!)
    level = up
  }
  const size = new Uint8Array(8)
  new DataView(size.buffer).setBigUint64(0, BigInt(content.length), true)
  return sha(Uint8Array.of(2), size, level[0]!)
}

const pattern = (n: number, seed = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('storage proof: commitment', () => {
  it('behavior: the streaming builder equals the level-by-level reference, whatever the pieces', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 * SEGMENT_SIZE + 17 }), fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 12 }), (size, cuts) => {
        const content = pattern(size, size)
        const builder = new ContentTreeBuilder()
        let at = 0
        for (const cut of cuts) {
          builder.update(content.subarray(at, Math.min(size, at + cut)))
          at = Math.min(size, at + cut)
        }
        builder.update(content.subarray(at))
        const tree = builder.finish()
        assert.equal(hex(tree.root), hex(referenceRoot(content)))
        assert.equal(tree.size, size)
      }),
      { numRuns: 150 },
    )
  })

  it("behavior: subtrees hashed per block (hashSubtrees) and pushed between the blocks' edge bytes give the same root and kept levels as update", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70 * SEGMENT_SIZE + 17 }),
        fc.array(fc.integer({ min: 1, max: 20 * SEGMENT_SIZE + 300 }), { maxLength: 10 }),
        fc.constantFrom(0, 1, 2, 6),
        (size, cuts, keep) => {
          const content = pattern(size, size + 7)
          const expected = contentTree(content, keep)
          const builder = new ContentTreeBuilder(keep)
          const blocks: Uint8Array[] = []
          let at = 0
          for (const cut of cuts) {
            blocks.push(content.subarray(at, Math.min(size, at + cut)))
            at = Math.min(size, at + cut)
          }
          blocks.push(content.subarray(at))
          let offset = 0
          for (const block of blocks) {
            // As the sealer cuts a block: the bytes that end the pending segment, the whole segments as subtrees, the tail.
            const head = Math.min(block.length, (SEGMENT_SIZE - (offset % SEGMENT_SIZE)) % SEGMENT_SIZE)
            const subtrees = hashSubtrees(block, head, Math.ceil((offset + head) / SEGMENT_SIZE), keep)
            const covered = [...subtrees.heights].reduce((n, h) => n + 2 ** h, 0) * SEGMENT_SIZE
            builder
              .update(block.subarray(0, head))
              .pushSubtrees(subtrees)
              .update(block.subarray(head + covered))
            offset += block.length
          }
          const tree = builder.finish()
          assert.equal(hex(tree.root), hex(expected.root))
          assert.equal(tree.size, size)
          assert.deepEqual(tree.levels.map(hex), expected.levels.map(hex))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('behavior: hashSubtrees takes the largest aligned subtrees within maxHeight', () => {
    const content = pattern(13 * SEGMENT_SIZE + 5)
    // 13 whole segments as segments 3-15: 3 | 4-7 | 8-11 | 12-15 (maxHeight 2), the 5-byte tail left out.
    assert.deepEqual([...hashSubtrees(content, 0, 3, 2).heights], [0, 2, 2, 2])
    // As segments 0-12: 0-7 | 8-11 | 12.
    assert.deepEqual([...hashSubtrees(content, 0, 0, 6).heights], [3, 2, 0])
    // From byte 5, 13 segments as segments 1-13: 1 | 2-3 | 4-7 | 8-11 | 12-13.
    assert.deepEqual([...hashSubtrees(content, 5, 1, 6).heights], [0, 1, 2, 2, 1])
    assert.equal(hashSubtrees(content.subarray(0, 1000), 0, 0, 6).heights.length, 0)
  })

  it('error: pushSubtrees refuses a subtree off its alignment, above the kept height, or after a partial segment', () => {
    const one = hashSubtrees(pattern(2 * SEGMENT_SIZE), 0, 0, 1)
    assert.deepEqual([...one.heights], [1])
    assert.throws(() => new ContentTreeBuilder().update(pattern(SEGMENT_SIZE)).pushSubtrees(one), RangeError)
    assert.throws(() => new ContentTreeBuilder(0).pushSubtrees(one), RangeError)
    assert.throws(() => new ContentTreeBuilder().update(pattern(10)).pushSubtrees(one), RangeError)
    assert.throws(() => new ContentTreeBuilder().pushSubtrees({ heights: Uint8Array.of(0), hashes: new Uint8Array(31) }), RangeError)
  })

  it('behavior: the root binds the size: content and the same content with a zero byte more differ', () => {
    const a = pattern(2048)
    const b = new Uint8Array(2049)
    b.set(a)
    assert.notEqual(hex(contentCommitment(a).root), hex(contentCommitment(b).root))
    assert.notEqual(hex(contentCommitment(new Uint8Array(0)).root), hex(contentCommitment(new Uint8Array(1)).root))
  })

  it('behavior: roots equal the committed vectors (a change of construction or constant shows here)', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../test/vectors/storage-proof.json', import.meta.url), 'utf8')) as Array<{
      size: number
      seed: number
      root: string
    }>
    assert.ok(vectors.length >= 6)
    for (const v of vectors) assert.equal(hex(contentCommitment(pattern(v.size, v.seed)).root), v.root, `size ${v.size}`)
  })

  it('behavior: a proof fits in 2 KiB for every size the market accepts (1 GiB: 1664 bytes, 8 GiB: 1760)', () => {
    assert.equal(SEGMENT_SIZE, 1024)
    assert.equal(maxProofBytes(2 ** 30), 1024 + 20 * 32)
    assert.equal(maxProofBytes(8 * 2 ** 30 - 1), 1024 + 23 * 32)
    for (const size of [1, 1024, 1025, 2 ** 20, 2 ** 30 + 1, 8 * 2 ** 30 - 1]) assert.ok(maxProofBytes(size) <= 2048, `size ${size}`)
    // Counts and path lengths for a tree whose last level carries nodes up: 5 leaves = 3 + 3 + 3 + 3 + 1 hashes.
    assert.equal(segmentCount(5 * 1024), 5)
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => pathLength(5 * 1024, i)),
      [3, 3, 3, 3, 1],
    )
  })
})

describe('storage proof: proofs', () => {
  it('behavior: every segment proves at every kept height, from its chunk alone', () => {
    for (const size of [0, 1, 1024, 1025, 3 * 1024, 5 * 1024 + 7, 17 * 1024, 33 * 1024 + 100]) {
      const content = pattern(size, 7)
      const commitment = contentCommitment(content)
      for (const height of [0, 1, 2, 3, 6]) {
        const tree = contentTree(content, height)
        assert.equal(hex(tree.root), hex(commitment.root))
        for (let i = 0; i < segmentCount(size); i++) {
          const { start, end } = chunkRange(tree, i)
          const proof = proveSegment(tree, i, content.subarray(start, end))
          assert.equal(proof.path.length, pathLength(size, i))
          assert.ok(verifySegmentProof(commitment, i, proof), `size ${size} height ${height} segment ${i}`)
        }
      }
    }
  })

  it('behavior: a tree kept from height 4 is 1/16 of the leaves plus the levels above', () => {
    const tree = contentTree(pattern(64 * 1024), 4)
    assert.equal(tree.levels[0]!.length, 4 * 32)
    assert.equal(tree.levels.length, 3)
  })

  it('error: a chunk of the wrong length or an index out of range is refused', () => {
    const content = pattern(3000)
    const tree = contentTree(content, 1)
    assert.throws(() => proveSegment(tree, 0, content.subarray(0, 100)), RangeError)
    assert.throws(() => proveSegment(tree, 3, content), RangeError)
    assert.throws(() => proveSegment(tree, -1, content), RangeError)
  })
})

describe('storage proof: forged proofs do not verify', () => {
  const a = pattern(20 * 1024 + 300, 1)
  const b = pattern(20 * 1024 + 300, 2)
  const treeA = contentTree(a)
  const treeB = contentTree(b)
  const commitA = { root: treeA.root, size: treeA.size }
  const proof = (tree: ReturnType<typeof contentTree>, content: Uint8Array, i: number) => {
    const { start, end } = chunkRange(tree, i)
    return proveSegment(tree, i, content.subarray(start, end))
  }
  const good = proof(treeA, a, 5)

  it('behavior: the honest proof verifies (the forgeries below differ from it in one respect)', () => {
    assert.ok(verifySegmentProof(commitA, 5, good))
  })

  it('error: wrong segment bytes (one bit flipped, every byte position)', () => {
    for (let at = 0; at < good.segment.length; at += 97) {
      const segment = good.segment.slice()
      segment[at]! ^= 1
      assert.equal(verifySegmentProof(commitA, 5, { ...good, segment }), false, `byte ${at}`)
    }
  })

  it('error: wrong path: a flipped sibling, siblings swapped, a sibling missing or added, a short hash', () => {
    for (let level = 0; level < good.path.length; level++) {
      const path = good.path.map((p) => p.slice())
      path[level]![0]! ^= 0x80
      assert.equal(verifySegmentProof(commitA, 5, { ...good, path }), false, `level ${level}`)
    }
    const swapped = [good.path[1]!, good.path[0]!, ...good.path.slice(2)]
    assert.equal(verifySegmentProof(commitA, 5, { ...good, path: swapped }), false)
    assert.equal(verifySegmentProof(commitA, 5, { ...good, path: good.path.slice(1) }), false)
    assert.equal(verifySegmentProof(commitA, 5, { ...good, path: [...good.path, good.path[0]!] }), false)
    assert.equal(verifySegmentProof(commitA, 5, { ...good, path: [good.path[0]!.subarray(0, 31), ...good.path.slice(1)] }), false)
  })

  it('error: a valid proof for another index or another file', () => {
    assert.equal(verifySegmentProof(commitA, 6, good), false)
    assert.equal(verifySegmentProof(commitA, 4, good), false)
    const other = proof(treeB, b, 5)
    assert.ok(verifySegmentProof({ root: treeB.root, size: treeB.size }, 5, other))
    assert.equal(verifySegmentProof(commitA, 5, other), false)
    // The same segment bytes at the same place in another file still need that file's path.
    assert.equal(verifySegmentProof(commitA, 5, { segment: good.segment, path: other.path }), false)
  })

  it('error: the right proof against a wrong size, a short root, an index out of range: false, never a throw', () => {
    assert.equal(verifySegmentProof({ root: treeA.root, size: treeA.size + 1 }, 5, good), false)
    assert.equal(verifySegmentProof({ root: treeA.root, size: treeA.size - 1 }, 5, good), false)
    assert.equal(verifySegmentProof({ root: treeA.root.subarray(1), size: treeA.size }, 5, good), false)
    assert.equal(verifySegmentProof(commitA, 21, good), false)
    assert.equal(verifySegmentProof(commitA, -1, good), false)
    assert.equal(verifySegmentProof(commitA, 1.5, good), false)
    assert.equal(verifySegmentProof({ root: treeA.root, size: -1 }, 0, good), false)
    assert.equal(verifySegmentProof(commitA, 5, { segment: good.segment, path: Array.from({ length: 1000 }, () => new Uint8Array(32)) }), false)
    // The last, short segment: a padded one is refused.
    const last = proof(treeA, a, 20)
    assert.equal(last.segment.length, 300)
    assert.ok(verifySegmentProof(commitA, 20, last))
    const padded = new Uint8Array(1024)
    padded.set(last.segment)
    assert.equal(verifySegmentProof(commitA, 20, { ...last, segment: padded }), false)
  })

  it('error: random proofs never verify (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.uint8Array({ minLength: 0, maxLength: 1024 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 6 }),
        (i, segment, path) => {
          assert.equal(verifySegmentProof(commitA, i, { segment, path }), false)
        },
      ),
    )
  })
})
