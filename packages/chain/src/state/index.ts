/**
 * Authenticated chain state: a radix-16 Patricia-Merkle trie over byte keys, content-addressed
 * with blake2b-256.
 *
 * @example
 * ```ts
 * import { EMPTY_TRIE_ROOT, MemoryNodeStore, MerkleTrie } from '@crust-ts/chain'
 *
 * const store = new MemoryNodeStore()
 * const trie = new MerkleTrie(store)
 * const { root, nodes } = trie.commit(EMPTY_TRIE_ROOT, [[Uint8Array.of(1, 2), Uint8Array.of(42)]])
 * store.put(nodes)
 * trie.get(root, Uint8Array.of(1, 2)) // Uint8Array [42]
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export { blake2b256 } from './hasher.js'
export * from './interface.js'
export * from './memory-node-store.js'
export * from './trie.js'
export * from './trie-build.js'
