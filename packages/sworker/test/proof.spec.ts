/** Storage proofs from sealed data: roots equal the protocol's DAG-order content commitment, proofs verify, damage fails. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, it } from 'node:test'
import * as dagPb from '@ipld/dag-pb'
import type { MemoryBlockstore } from 'blockstore-core/memory'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'
import { storageProof } from '@crust-ts/protocol'
import { Bucket, blockstoreBlockSource, SealError, SealErrorCode } from '../src/index.js'
import { fileBytes, importFile, suiteSworker } from './fixtures/dag.js'

/** The protocol README's content of a DAG, computed independently: blocks concatenated depth-first, links in order. */
async function dagContent(blockstore: MemoryBlockstore, root: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const source = blockstoreBlockSource(blockstore)
  const visit = async (cid: CID): Promise<void> => {
    const bytes = await source.get(cid)
    parts.push(bytes)
    if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) await visit(link.Hash)
  }
  await visit(root)
  return new Uint8Array(Buffer.concat(parts))
}

const codeOf = async (fn: () => Promise<unknown>) => {
  try {
    await fn()
  } catch (err) {
    assert.ok(err instanceof SealError)
    return err.code
  }
  assert.fail('did not throw')
}

describe('storage proofs from sealed files', () => {
  const suite = suiteSworker()

  for (const [name, size, options] of [
    ['a Kubo-default DAG (256 KiB dag-pb leaves)', 3 * 1024 * 1024 + 777, undefined],
    [
      'a CIDv1 raw-leaf DAG with small chunks (chunks span blocks)',
      700 * 1024 + 5,
      { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 10_000 }) },
    ],
    ['a one-block file', 3000, { cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true }],
  ] as const) {
    it(`behavior: ${name}: the content root is the DAG-order commitment and every asked segment verifies`, async () => {
      const { blockstore, cid } = await importFile(fileBytes(size, name), options as never)
      const record = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
      const content = await dagContent(blockstore, cid)
      const expected = storageProof.contentCommitment(content)
      assert.equal(record.size, content.length)
      assert.equal(record.contentRoot, Buffer.from(expected.root).toString('hex'))
      const count = storageProof.segmentCount(content.length)
      for (const index of new Set([0, 1, 63, 64, 65, Math.floor(count / 2), count - 2, count - 1].filter((i) => i >= 0 && i < count))) {
        const proved = await suite.sworker.prover.prove(cid.toString(), index)
        assert.deepEqual(proved.root, expected.root)
        assert.deepEqual(proved.proof.segment, content.subarray(index * 1024, Math.min(content.length, (index + 1) * 1024)))
        assert.ok(storageProof.verifySegmentProof(expected, index, proved.proof), `segment ${index} verifies`)
      }
      assert.equal(await codeOf(() => suite.sworker.prover.prove(cid.toString(), count)), SealErrorCode.SEGMENT_OUT_OF_RANGE)
    })
  }

  it('error: unknown and deleted files are NOT_FOUND; their proof data goes with them', async () => {
    const { blockstore, cid } = await importFile(fileBytes(200_000, 'deleted'))
    await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    assert.ok(suite.sworker.prover.tree(cid.toString()).levels.length > 0)
    await suite.sworker.sealer.delete(cid.toString())
    assert.equal(await codeOf(() => suite.sworker.prover.prove(cid.toString(), 0)), SealErrorCode.NOT_FOUND)
    await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    assert.ok(
      storageProof.verifySegmentProof(suite.sworker.prover.tree(cid.toString()), 5, (await suite.sworker.prover.prove(cid.toString(), 5)).proof),
      'sealed again, proven again',
    )
  })

  it('behavior: a file sealed before proof data was kept gets it built on its first proof, with the same root', async () => {
    const { blockstore, cid } = await importFile(fileBytes(900_000, 'old'))
    const sealed = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    const file = cid.toString()
    // What a store from before proofs holds: no tree, no offsets, no contentRoot in the record.
    const trees = suite.sworker.store.db(Bucket.contentTrees)
    const offsets = suite.sworker.store.db(Bucket.contentOffsets)
    const files = suite.sworker.store.db(Bucket.files)
    const key = new TextEncoder().encode(file)
    const { contentRoot: _, ...old } = sealed
    await suite.sworker.store.transaction(() => {
      trees.remove(key)
      for (const k of offsets.getKeys({})) if (Buffer.from(k).subarray(0, key.length).equals(key)) offsets.remove(k)
      files.put(key, new TextEncoder().encode(JSON.stringify(old)))
    })
    assert.equal(await codeOf(async () => suite.sworker.prover.tree(file)), SealErrorCode.NO_PROOF_DATA)
    const [a, b] = await Promise.all([suite.sworker.prover.prove(file, 3), suite.sworker.prover.prove(file, 700)])
    const expected = storageProof.contentCommitment(await dagContent(blockstore, cid))
    assert.ok(storageProof.verifySegmentProof(expected, 3, a.proof))
    assert.ok(storageProof.verifySegmentProof(expected, 700, b.proof))
    assert.equal(suite.sworker.sealer.get(file)!.contentRoot, sealed.contentRoot, 'the record gains the same root')
  })

  it('error: a damaged sealed block fails the proofs that need it (SEALED_BLOCK_BAD), others still verify', async () => {
    const { blockstore, cid } = await importFile(fileBytes(1024 * 1024 + 10, 'damaged'))
    const record = await suite.sworker.sealer.seal(cid, blockstoreBlockSource(blockstore))
    const file = suite.sworker.store.blockFiles.path(cid.toString())
    // Flip bytes in the middle of the data file: a leaf block in the middle of the content.
    const fd = fs.openSync(file, 'r+')
    const at = Math.floor(record.sealedSize / 2)
    fs.writeSync(fd, Buffer.from('damage'), 0, 6, at)
    fs.closeSync(fd)
    const count = storageProof.segmentCount(record.size)
    // Every 8th segment: one per 8 KiB, so the damaged block (256 KiB) is asked for many times.
    const results: Array<boolean | 'bad'> = []
    for (let i = 0; i < count; i += 8) {
      try {
        results.push(storageProof.verifySegmentProof(suite.sworker.prover.tree(cid.toString()), i, (await suite.sworker.prover.prove(cid.toString(), i)).proof))
      } catch (err) {
        assert.ok(err instanceof SealError && err.code === SealErrorCode.SEALED_BLOCK_BAD)
        results.push('bad')
      }
    }
    assert.ok(results.includes('bad'), 'some segments cannot be proven')
    assert.ok(!results.includes(false), 'no proof that does not verify is given out')
    assert.equal(results[0], true, 'the first segment (an undamaged block) still verifies')
  })
})
