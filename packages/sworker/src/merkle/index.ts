/**
 * A streaming binary Merkle tree over sha256: leaves are pushed one at a time and only
 * O(log n) hashes are kept. Pairs of equal-height subtrees are joined as soon as they exist; at
 * the end the remaining peaks are folded from the right (root = H(peak0 ‖ H(peak1 ‖ ...))).
 * An empty tree has the root sha256 of nothing.
 */
import { createHash } from 'node:crypto'

/** sha256 of the bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

function join(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(left).update(right).digest())
}

/** Accumulates leaf hashes into a Merkle root without holding the leaves. */
export class MerkleAccumulator {
  private readonly peaks: Array<{ height: number; hash: Uint8Array }> = []
  private leaves = 0

  /** Number of leaves pushed. */
  get count(): number {
    return this.leaves
  }

  /** Adds a leaf (already a 32-byte hash). */
  push(leaf: Uint8Array): void {
    let node = { height: 0, hash: leaf }
    this.leaves++
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1]!.height === node.height) {
      const left = this.peaks.pop()!
      node = { height: node.height + 1, hash: join(left.hash, node.hash) }
    }
    this.peaks.push(node)
  }

  /** The root of the leaves pushed so far. */
  root(): Uint8Array {
    if (this.peaks.length === 0) return sha256(new Uint8Array(0))
    let acc = this.peaks[this.peaks.length - 1]!.hash
    for (let i = this.peaks.length - 2; i >= 0; i--) acc = join(this.peaks[i]!.hash, acc)
    return acc
  }
}

/** Merkle root of a list of leaf hashes. */
export function merkleRoot(leaves: Iterable<Uint8Array>): Uint8Array {
  const acc = new MerkleAccumulator()
  for (const leaf of leaves) acc.push(leaf)
  return acc.root()
}
