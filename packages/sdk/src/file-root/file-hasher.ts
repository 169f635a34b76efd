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
  /** Where this file's first leaf digest goes in `leafDigests` (a folder's files share one array). */
  private readonly firstLeaf: number
  private leaf = -1
  private leafDigest: ReturnType<typeof blockDigest> | undefined
  private leafFill = 0
  private leafTail: Uint8Array | undefined
  private bytes = 0

  constructor(
    private readonly layout: FileDagLayout,
    private readonly size: number,
    into?: { leafDigests: Uint8Array; firstLeaf: number },
  ) {
    this.leafDigests = into?.leafDigests ?? new Uint8Array(layout.leafOffsets.length * 32)
    this.firstLeaf = into?.firstLeaf ?? 0
    // An empty file is one empty leaf, begun now.
    if (size === 0) this.beginLeaf()
  }

  private dataLength(leaf: number): number {
    return Math.max(0, Math.min(this.layout.chunkSize, this.size - leaf * this.layout.chunkSize))
  }

  private feed(bytes: Uint8Array, scratch = false): void {
    this.run!.update(bytes, scratch)
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
    this.leafDigests.set(this.leafDigest!.digest(), (this.firstLeaf + this.leaf) * 32)
    this.leafDigest = undefined
  }

  /** The next bytes of the file; `scratch`: the caller lends the buffer under `chunk` (see {@link RunHasher.update}). */
  update(chunk: Uint8Array, scratch = false): void {
    let at = 0
    while (at < chunk.length) {
      if (this.leafDigest === undefined) this.beginLeaf()
      const take = Math.min(this.dataLength(this.leaf) - this.leafFill, chunk.length - at)
      if (take <= 0) throw new RangeError('more file bytes than the layout was made for')
      this.feed(chunk.subarray(at, at + take), scratch)
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

/** One file of a {@link FilesHasher}: its layout (offsets in the whole content), size and first leaf among all. */
export interface HashedFile {
  layout: FileDagLayout
  size: number
  firstLeaf: number
}

/** What a tee hashes: the files in the order they are sent, and the leaves of the whole content. */
export interface TeeFiles {
  files: HashedFile[]
  leaves: number
}

/**
 * The hashing of several files sent one after another (a folder upload, in the order its files
 * are sent): splits the bytes at the files' sizes, each file into its own {@link FileHasher},
 * all leaf digests into one array in content order.
 */
export class FilesHasher {
  private readonly leafDigests: Uint8Array
  private readonly runs: HashedRun[] = []
  private index = -1
  private current: FileHasher | undefined
  private left = 0
  private bytes = 0

  /** @param leaves - the leaves of the whole content. */
  constructor(
    private readonly files: HashedFile[],
    leaves: number,
  ) {
    this.leafDigests = new Uint8Array(leaves * 32)
  }

  /** Finishes the current file and opens the next (empty files are done at once). */
  private next(): boolean {
    if (this.current !== undefined) this.runs.push(...this.current.finish().runs)
    this.current = undefined
    const file = this.files[++this.index]
    if (file === undefined) return false
    this.current = new FileHasher(file.layout, file.size, { leafDigests: this.leafDigests, firstLeaf: file.firstLeaf })
    this.left = file.size
    return true
  }

  /** The next bytes sent; `scratch`: the caller lends the buffer under `chunk` (see {@link RunHasher.update}). */
  update(chunk: Uint8Array, scratch = false): void {
    let at = 0
    while (at < chunk.length) {
      while (this.current === undefined || this.left === 0) {
        if (!this.next()) throw new RangeError('more bytes than the files have')
      }
      const take = Math.min(this.left, chunk.length - at)
      this.current.update(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take), scratch)
      this.left -= take
      at += take
    }
    this.bytes += chunk.length
  }

  finish(): FileHashes {
    while (this.next()) {
      // files not reached yet: empty ones finish whole, others short (the byte count tells)
    }
    return { bytes: this.bytes, leafDigests: this.leafDigests, runs: this.runs }
  }
}
