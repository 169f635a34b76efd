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

  /** Indices (in `leafDigests`) of the leaves this hasher finished, when asked for. */
  private readonly hashed: number[] | undefined

  /**
   * @param into - where the leaf digests go (a folder's files share one array); `from`: the file
   * offset its bytes start at (a multiple of the chunk size: another hasher took the leaves before);
   * `hashed` collects the indices of the leaves this one finishes.
   */
  constructor(
    private readonly layout: FileDagLayout,
    private readonly size: number,
    into?: { leafDigests: Uint8Array; firstLeaf: number; from?: number; hashed?: number[] },
  ) {
    this.leafDigests = into?.leafDigests ?? new Uint8Array(layout.leafOffsets.length * 32)
    this.firstLeaf = into?.firstLeaf ?? 0
    this.hashed = into?.hashed
    const from = into?.from ?? 0
    if (from !== 0) {
      if (!Number.isSafeInteger(from) || from < 0 || from >= size || from % layout.chunkSize !== 0)
        throw new RangeError('a file is taken up at a leaf boundary inside it')
      this.leaf = from / layout.chunkSize - 1
    }
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
    this.hashed?.push(this.firstLeaf + this.leaf)
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

/** Where a {@link FilesHasher} takes up the bytes sent, and where its leaf digests go. */
export interface FilesHasherInit {
  /** Offset in the bytes sent (all files, in order) its first byte has: a leaf boundary (0: the start). */
  from?: number
  /** All leaves' digests (32 bytes each, in content order); a new array when not given. */
  leafDigests?: Uint8Array
  /** Collects the indices of the leaves this hasher finishes. */
  hashed?: number[]
}

/**
 * The hashing of several files sent one after another (a folder upload, in the order its files
 * are sent): splits the bytes at the files' sizes, each file into its own {@link FileHasher},
 * all leaf digests into one array in content order. It may take up the bytes at any leaf boundary
 * (`from`) and stop at another ({@link finish} with `last` false), so pieces of an upload can be
 * hashed apart (see {@link joinRuns}); an empty file at a boundary belongs to the piece after it.
 */
export class FilesHasher {
  private readonly leafDigests: Uint8Array
  private readonly runs: HashedRun[] = []
  private readonly hashed: number[] | undefined
  private index = -1
  private current: FileHasher | undefined
  private left = 0
  private bytes = 0
  /** File bytes of the first file opened that were another hasher's. */
  private skip = 0

  /** @param leaves - the leaves of the whole content. */
  constructor(
    private readonly files: HashedFile[],
    leaves: number,
    init: FilesHasherInit = {},
  ) {
    this.leafDigests = init.leafDigests ?? new Uint8Array(leaves * 32)
    this.hashed = init.hashed
    const from = init.from ?? 0
    let start = 0
    for (const file of files) {
      if (start + file.size > from || (file.size === 0 && start >= from)) break
      start += file.size
      this.index++
    }
    if (start !== from && this.index === files.length - 1) throw new RangeError('a piece starts past the files')
    this.skip = from - start
    if (this.skip % (files[this.index + 1]?.layout.chunkSize ?? 1) !== 0) throw new RangeError('a piece starts at a leaf boundary')
  }

  /** Finishes the current file and opens the next (empty files are done at once). */
  private next(): boolean {
    if (this.current !== undefined) this.runs.push(...this.current.finish().runs)
    this.current = undefined
    const file = this.files[++this.index]
    if (file === undefined) return false
    const from = this.skip
    this.skip = 0
    this.current = new FileHasher(file.layout, file.size, {
      leafDigests: this.leafDigests,
      firstLeaf: file.firstLeaf,
      from,
      ...(this.hashed === undefined ? {} : { hashed: this.hashed }),
    })
    this.left = file.size - from
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

  /**
   * The hashes so far. `last` (the default): the bytes sent are all there is, so the files not
   * reached yet finish too (empty ones whole, others short: the byte count tells); otherwise only
   * the file being hashed finishes (the bytes were a piece ending at a leaf boundary).
   */
  finish(last = true): FileHashes {
    if (last) {
      while (this.next()) {
        // files not reached yet
      }
    } else if (this.current !== undefined) {
      this.runs.push(...this.current.finish().runs)
      this.current = undefined
    }
    return { bytes: this.bytes, leafDigests: this.leafDigests, runs: this.runs }
  }
}
