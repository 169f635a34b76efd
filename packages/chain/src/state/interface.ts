/** Synchronous, content-addressed source of trie nodes: node hash -> node encoding. */
export interface TrieNodeReader {
  /** The encoding of the node with this blake2b-256 hash, or undefined if absent. */
  getNode(hash: Uint8Array): Uint8Array | undefined
}

/** One change to apply in {@link MerkleTrie.commit}: `[key, value]`, value `null` deletes the key. */
export type TrieChange = readonly [key: Uint8Array, value: Uint8Array | null]

/** A trie node to persist: `[hash, encoding]`. */
export type TrieNodeEntry = [hash: Uint8Array, encoding: Uint8Array]

/** Result of {@link MerkleTrie.commit}. */
export interface TrieCommitResult {
  /** Root of the new trie. */
  root: Uint8Array
  /** Nodes created by the commit (content-addressed), children before parents. */
  nodes: TrieNodeEntry[]
  /**
   * Hashes of the old trie's nodes the new trie no longer holds at their place (replaced or
   * dropped), one entry per place: with `nodes`, the exact change of the trie's node multiset, so
   * a pruning database can count references without walking either trie.
   */
  deleted: Uint8Array[]
}

/** Construction options of {@link MerkleTrie}. */
export interface MerkleTrieInit {
  /** How many decoded nodes the trie keeps in memory (0 disables the cache). */
  cacheSize?: number
}
