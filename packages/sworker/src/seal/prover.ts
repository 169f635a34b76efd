/**
 * Storage proofs from sealed data: a segment of a file's content (its blocks in DAG order) with its
 * Merkle path against the file's content root, built from the content tree kept at sealing and the
 * one chunk (2^PROOF_KEEP_HEIGHT segments) holding the segment, unsealed from the block or two it
 * spans. What the sManager answers a chain challenge with.
 */
import { storageProof } from '@crust-ts/protocol'
import { Bucket, type BytesDb, type SealedStore } from '../store/index.js'
import { fileKey } from './codec.js'
import { SealError, SealErrorCode } from './errors.js'
import { contentOffsetFloor, contentOffsetKey, contentOffsetOf, decodeBlockNumber, decodeContentTree } from './proof-codec.js'
import type { Sealer } from './sealer.js'

/** Collaborators of the {@link SegmentProver}. */
export interface SegmentProverComponents {
  store: SealedStore
  sealer: Sealer
}

/** A proof of one segment, with the commitment it verifies against. */
export interface StoredSegmentProof {
  cid: string
  /** The segment's index. */
  index: number
  /** The file's content root (32 bytes) and content size. */
  root: Uint8Array
  size: number
  proof: storageProof.SegmentProof
}

export class SegmentProver {
  private readonly sealer: Sealer
  private readonly trees: BytesDb
  private readonly offsets: BytesDb
  private readonly indexing = new Map<string, Promise<unknown>>()

  constructor(components: SegmentProverComponents) {
    this.sealer = components.sealer
    this.trees = components.store.db(Bucket.contentTrees)
    this.offsets = components.store.db(Bucket.contentOffsets)
  }

  /** The content tree of valid file `cid`; throws `NOT_FOUND` (not valid here) or `NO_PROOF_DATA`. */
  tree(cid: string): storageProof.ContentTree {
    if (this.sealer.get(cid)?.status !== 'valid') throw new SealError(SealErrorCode.NOT_FOUND, 'the file is not sealed here', { cid })
    const value = this.trees.getBinary(fileKey(cid))
    const tree = value === undefined ? undefined : decodeContentTree(value)
    if (tree === undefined) throw new SealError(SealErrorCode.NO_PROOF_DATA, 'the file was sealed without proof data', { cid })
    return tree
  }

  /**
   * The proof of segment `index` of file `cid`; a file sealed before proof data was kept gets it
   * built first (unsealed whole, once). Throws `SWORKER_ERROR_SEAL_NOT_FOUND`,
   * `SWORKER_ERROR_SEAL_SEGMENT_OUT_OF_RANGE` and `SWORKER_ERROR_SEALED_BLOCK_BAD` (a block the
   * proof needs is missing or damaged).
   */
  async prove(cid: string, index: number): Promise<StoredSegmentProof> {
    let tree: storageProof.ContentTree
    try {
      tree = this.tree(cid)
    } catch (err) {
      if (!(err instanceof SealError && err.code === SealErrorCode.NO_PROOF_DATA)) throw err
      await this.indexOnce(cid)
      tree = this.tree(cid)
    }
    const count = storageProof.segmentCount(tree.size)
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
      throw new SealError(SealErrorCode.SEGMENT_OUT_OF_RANGE, `segment ${index} is not in [0, ${count})`, { cid, index, segments: count })
    }
    const { start, end } = storageProof.chunkRange(tree, index)
    const chunk = this.readContent(cid, start, end)
    return { cid, index, root: tree.root, size: tree.size, proof: storageProof.proveSegment(tree, index, chunk) }
  }

  /** Builds the proof data of `cid`, once however many proofs wait for it. */
  private indexOnce(cid: string): Promise<unknown> {
    let running = this.indexing.get(cid)
    if (running === undefined) {
      running = this.sealer.indexContent(cid).finally(() => this.indexing.delete(cid))
      this.indexing.set(cid, running)
    }
    return running
  }

  /** Bytes [start, end) of file `cid`'s content, unsealed from the blocks holding them. */
  private readContent(cid: string, start: number, end: number): Uint8Array {
    const chunk = new Uint8Array(end - start)
    if (end === start) return chunk
    const bad = (why: string, meta: Record<string, unknown> = {}) => new SealError(SealErrorCode.SEALED_BLOCK_BAD, why, { cid, ...meta })
    // The last block starting at or before `start`.
    const [first] = this.offsets.getRange({ start: contentOffsetKey(cid, start), end: contentOffsetFloor(cid), reverse: true, limit: 1 })
    const firstIndex = first === undefined ? undefined : decodeBlockNumber(first.value)
    if (first === undefined || firstIndex === undefined) throw bad('the content offset index is missing', { offset: start })
    let blockStart = contentOffsetOf(first.key)
    for (let i = firstIndex; blockStart < end; i++) {
      const block = this.sealer.verifyBlock(cid, i)
      if (block === undefined) throw bad('a sealed block is missing or damaged', { index: i })
      const blockEnd = blockStart + block.bytes.length
      const from = Math.max(start, blockStart)
      const to = Math.min(end, blockEnd)
      if (to > from) chunk.set(block.bytes.subarray(from - blockStart, to - blockStart), from - start)
      blockStart = blockEnd
    }
    return chunk
  }
}
