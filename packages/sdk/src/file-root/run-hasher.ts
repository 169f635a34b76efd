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
  /** Complete subtrees so far in content order; merged when two of one height are aligned to the next. */
  private readonly stack: Array<{ height: number; start: number; hash: string }> = []

  constructor(readonly offset: number) {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('a run offset is a non-negative safe integer')
    this.headLength = (SEGMENT_SIZE - (offset % SEGMENT_SIZE)) % SEGMENT_SIZE
    this.head = new Uint8Array(this.headLength)
    this.nextSegment = Math.ceil(offset / SEGMENT_SIZE)
  }

  update(bytes: Uint8Array): void {
    let at = 0
    if (this.length < this.headLength) {
      const take = Math.min(this.headLength - this.length, bytes.length)
      this.head.set(bytes.subarray(0, take), this.length)
      at = take
      this.length += take
    }
    while (at < bytes.length) {
      const take = Math.min(SEGMENT_SIZE - this.segmentLength, bytes.length - at)
      this.hasher.leaf.set(bytes.subarray(at, at + take), 1 + this.segmentLength)
      this.segmentLength += take
      this.length += take
      at += take
      if (this.segmentLength === SEGMENT_SIZE) this.flushSegment()
    }
  }

  private flushSegment(): void {
    let node = { height: 0, start: this.nextSegment, hash: this.hasher.leafFilled(SEGMENT_SIZE) }
    this.nextSegment++
    this.segmentLength = 0
    for (;;) {
      const top = this.stack[this.stack.length - 1]
      if (top === undefined || top.height !== node.height || top.start % 2 ** (node.height + 1) !== 0) break
      this.stack.pop()
      node = { height: node.height + 1, start: top.start, hash: this.hasher.node(top.hash, node.hash) }
    }
    this.stack.push(node)
  }

  finish(): HashedRun {
    const hashes = storageProof.writeDigests(
      new Uint8Array(this.stack.length * HASH_LENGTH),
      this.stack.map((n) => n.hash),
    )
    return {
      offset: this.offset,
      length: this.length,
      head: this.head.slice(0, Math.min(this.length, this.headLength)),
      subtrees: { heights: Uint8Array.from(this.stack, (n) => n.height), hashes },
      tail: new Uint8Array(this.hasher.leaf.subarray(1, 1 + this.segmentLength)),
    }
  }
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
