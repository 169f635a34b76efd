/**
 * The hashing side of the upload's tee: takes a file's bytes in order, as they stream to the IPFS
 * node, frames them into the leaf blocks the node makes of them ({@link fileDagLayout}) and hashes
 * each leaf's CID digest and the content tree's pieces of every run of contiguous leaves. Holds a
 * few KiB per run (one run per 174 leaves), never the file.
 */
import { fileLeafFrame, type FileDagLayout } from './layout.js'
import { blockDigest, type HashedRun, RunHasher } from './run-hasher.js'

/** What the hashing of a file gives: enough to finish its content root once the inner blocks are known. */
export interface FileHashes {
  /** File bytes seen (the root is only valid when this is the size the layout was made for). */
  bytes: number
  /** sha-256 of each leaf block, 32 bytes each, in file order. */
  leafDigests: Uint8Array
  /** The runs of contiguous leaves, in content order. */
  runs: HashedRun[]
}

export class FileHasher {
  private readonly runs: HashedRun[] = []
  private run: RunHasher | undefined
  private runEnd = -1
  private readonly leafDigests: Uint8Array
  private leaf = -1
  private leafDigest: ReturnType<typeof blockDigest> | undefined
  private leafFill = 0
  private leafTail: Uint8Array | undefined
  private bytes = 0

  constructor(
    private readonly layout: FileDagLayout,
    private readonly size: number,
  ) {
    this.leafDigests = new Uint8Array(layout.leafOffsets.length * 32)
    // An empty file is one empty leaf, begun now.
    if (size === 0) this.beginLeaf()
  }

  private dataLength(leaf: number): number {
    return Math.max(0, Math.min(this.layout.chunkSize, this.size - leaf * this.layout.chunkSize))
  }

  private feed(bytes: Uint8Array): void {
    this.run!.update(bytes)
    this.leafDigest!.update(bytes)
  }

  private beginLeaf(): void {
    this.leaf++
    const offset = this.layout.leafOffsets[this.leaf]
    if (offset === undefined) throw new RangeError('more file bytes than the layout has leaves for')
    if (offset !== this.runEnd) {
      if (this.run !== undefined) this.runs.push(this.run.finish())
      this.run = new RunHasher(offset)
    }
    const length = this.dataLength(this.leaf)
    this.leafDigest = blockDigest()
    this.leafFill = 0
    if (this.layout.rawLeaves) {
      this.leafTail = undefined
      this.runEnd = offset + length
    } else {
      const { head, tail } = fileLeafFrame(length)
      this.feed(head)
      this.leafTail = tail
      this.runEnd = offset + head.length + length + tail.length
    }
  }

  private endLeaf(): void {
    if (this.leafTail !== undefined) this.feed(this.leafTail)
    this.leafDigests.set(this.leafDigest!.digest(), this.leaf * 32)
    this.leafDigest = undefined
  }

  /** The next bytes of the file. */
  update(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      if (this.leafDigest === undefined) this.beginLeaf()
      const take = Math.min(this.dataLength(this.leaf) - this.leafFill, chunk.length - at)
      if (take <= 0) throw new RangeError('more file bytes than the layout was made for')
      this.feed(chunk.subarray(at, at + take))
      this.leafFill += take
      at += take
      if (this.leafFill === this.dataLength(this.leaf)) this.endLeaf()
    }
    this.bytes += chunk.length
  }

  finish(): FileHashes {
    if (this.leafDigest !== undefined && this.leafFill === this.dataLength(this.leaf)) this.endLeaf()
    if (this.run !== undefined) this.runs.push(this.run.finish())
    this.run = undefined
    return { bytes: this.bytes, leafDigests: this.leafDigests, runs: this.runs }
  }
}
