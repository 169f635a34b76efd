/**
 * Root of the empty trie: blake2b-256 of the one-byte encoding of the empty node (`0x00`).
 * Reading it never touches the node store.
 */
export const EMPTY_TRIE_ROOT: Uint8Array = Uint8Array.from([
  0x03, 0x17, 0x0a, 0x2e, 0x75, 0x97, 0xb7, 0xb7, 0xe3, 0xd8, 0x4c, 0x05, 0x39, 0x1d, 0x13, 0x9a, 0x62, 0xb1, 0x57, 0xe7, 0x87, 0x86, 0xd8, 0xc0, 0x82, 0xf2,
  0x9d, 0xcf, 0x4c, 0x11, 0x13, 0x14,
])

/** Encoding of the empty node, whose hash is {@link EMPTY_TRIE_ROOT}. */
export const EMPTY_NODE_ENCODING: Uint8Array = Uint8Array.from([0x00])

/** Default number of decoded trie nodes kept in a {@link MerkleTrie}'s cache. */
export const DEFAULT_TRIE_CACHE_SIZE = 200_000
