/**
 * Hashes a run of content (bytes that are contiguous in the content, at a known offset) into the
 * `storageProof` content tree's pieces without the content before it: the partial segment at its
 * start (`head`, up to the first segment boundary), the complete aligned subtrees over its whole
 * segments, and the partial segment at its end (`tail`). Fed to a `ContentTreeBuilder` in content
 * order (`update(head)`, `pushSubtrees`, `update(tail)`), they give the root the bytes would.
 */
import { createHash } from 'node:crypto'
import { storageProof } from '@crust-ts/protocol'

const { SEGMENT_SIZE, HASH_LENGTH } = storageProof

/** A hashed run; `subtrees` start at segment `(offset + head.length) / SEGMENT_SIZE`. */
export interface HashedRun {
  offset: number
  length: number
  head: Uint8Array
  subtrees: storageProof.ContentSubtrees
  tail: Uint8Array
}

export class RunHasher {
  private readonly headLength: number
  private readonly head: Uint8Array
  private length = 0
  /** Its `leaf` holds the segment being filled (digests are latin1 strings: see storageProof's NodeHasher). */
  private readonly hasher = new storageProof.NodeHasher()
  private segmentLength = 0
  /** Absolute index of the segment being filled. */
  private nextSegment: number
  /**
   * Complete subtrees so far in content order (height, first segment, digest in three arrays: no
   * object per segment); merged when two of one height are aligned to the next.
   */
  private readonly heights: number[] = []
  private readonly starts: number[] = []
  private readonly hashes: string[] = []

  constructor(readonly offset: number) {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('a run offset is a non-negative safe integer')
    this.headLength = (SEGMENT_SIZE - (offset % SEGMENT_SIZE)) % SEGMENT_SIZE
    this.head = new Uint8Array(this.headLength)
    this.nextSegment = Math.ceil(offset / SEGMENT_SIZE)
  }

  /**
   * The run's next bytes. With `scratch`, the caller lends the whole buffer under `bytes` (no other
   * thread reads it meanwhile, as a buffer transferred to a worker): a whole segment is then hashed
   * where it lies, the byte before it borrowed for the leaf's tag and put back, instead of copied.
   */
  update(bytes: Uint8Array, scratch = false): void {
    let at = 0
    if (this.length < this.headLength) {
      const take = Math.min(this.headLength - this.length, bytes.length)
      this.head.set(bytes.subarray(0, take), this.length)
      at = take
      this.length += take
    }
    if (this.segmentLength > 0 && at < bytes.length) {
      const take = Math.min(SEGMENT_SIZE - this.segmentLength, bytes.length - at)
      this.hasher.leaf.set(bytes.subarray(at, at + take), 1 + this.segmentLength)
      this.segmentLength += take
      this.length += take
      at += take
      if (this.segmentLength === SEGMENT_SIZE) {
        this.segmentLength = 0
        this.push(this.hasher.leafFilled(SEGMENT_SIZE))
      }
    }
    const tag = this.hasher.leaf[0]!
    while (bytes.length - at >= SEGMENT_SIZE) {
      if (scratch && bytes.byteOffset + at > 0) {
        const tagged = new Uint8Array(bytes.buffer, bytes.byteOffset + at - 1, 1 + SEGMENT_SIZE)
        const borrowed = tagged[0]!
        tagged[0] = tag
        this.push(storageProof.digestOf(tagged))
        tagged[0] = borrowed
      } else this.push(this.hasher.leafOf(bytes, at, SEGMENT_SIZE))
      at += SEGMENT_SIZE
      this.length += SEGMENT_SIZE
    }
    if (at < bytes.length) {
      this.hasher.leaf.set(bytes.subarray(at), 1)
      this.segmentLength = bytes.length - at
      this.length += this.segmentLength
    }
  }

  /** Adds the next segment's leaf, merging the aligned pairs it completes. */
  private push(leaf: string, height = 0): void {
    let hash = leaf
    let start = this.nextSegment
    this.nextSegment += 2 ** height
    const { heights, starts, hashes } = this
    for (let top = heights.length - 1; top >= 0; top--) {
      if (heights[top] !== height || starts[top]! % 2 ** (height + 1) !== 0) break
      hash = this.hasher.node(hashes[top]!, hash)
      start = starts[top]!
      height++
      heights.pop()
      starts.pop()
      hashes.pop()
    }
    heights.push(height)
    starts.push(start)
    hashes.push(hash)
  }

  /**
   * Appends a run hashed apart that starts where this one ends (as if its bytes had been given to
   * {@link update}): its head completes the segment being filled, its subtrees are pushed in order
   * (merging as leaves would), its tail begins the next segment.
   */
  append(run: HashedRun): void {
    if (run.offset !== this.offset + this.length) throw new RangeError('a run is appended where the run ends')
    this.update(run.head)
    if (run.subtrees.heights.length > 0 && this.segmentLength !== 0) throw new RangeError("an appended run's head ends at a segment boundary")
    for (const [i, height] of run.subtrees.heights.entries()) {
      this.push(storageProof.digestString(run.subtrees.hashes, i * HASH_LENGTH), height)
      this.length += 2 ** height * SEGMENT_SIZE
    }
    this.update(run.tail)
  }

  finish(): HashedRun {
    const hashes = storageProof.writeDigests(new Uint8Array(this.hashes.length * HASH_LENGTH), this.hashes)
    return {
      offset: this.offset,
      length: this.length,
      head: this.head.slice(0, Math.min(this.length, this.headLength)),
      subtrees: { heights: Uint8Array.from(this.heights), hashes },
      tail: new Uint8Array(this.hasher.leaf.subarray(1, 1 + this.segmentLength)),
    }
  }
}

/** `a` and `b` as one run (`b` starts where `a` ends): what one {@link RunHasher} over both gives. */
export function joinRuns(a: HashedRun, b: HashedRun): HashedRun {
  const run = new RunHasher(a.offset)
  run.append(a)
  run.append(b)
  return run.finish()
}

/** A sha-256 of a block fed in pieces (a leaf's CID digest). */
export function blockDigest(): { update(bytes: Uint8Array): void; digest(): Uint8Array } {
  const h = createHash('sha256')
  return {
    update: (bytes) => {
      h.update(bytes)
    },
    digest: () => new Uint8Array(h.digest()),
  }
}
