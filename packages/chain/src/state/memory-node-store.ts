import type { TrieNodeReader } from './interface.js'

function keyOf(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('latin1')
}

/** In-memory {@link TrieNodeReader}, for tests, benchmarks and throw-away tries. */
export class MemoryNodeStore implements TrieNodeReader {
  private readonly nodes = new Map<string, Uint8Array>()

  /** Number of stored nodes. */
  get size(): number {
    return this.nodes.size
  }

  getNode(hash: Uint8Array): Uint8Array | undefined {
    return this.nodes.get(keyOf(hash))
  }

  /** Stores nodes (`[hash, encoding]`), e.g. the `nodes` of a commit. */
  put(nodes: Iterable<readonly [Uint8Array, Uint8Array]>): void {
    for (const [hash, encoding] of nodes) this.nodes.set(keyOf(hash), encoding)
  }

  /** Removes one node; returns whether it was present. */
  delete(hash: Uint8Array): boolean {
    return this.nodes.delete(keyOf(hash))
  }
}
