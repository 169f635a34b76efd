/**
 * Namespaces of the chain database. Each bucket is one LMDB named sub-database called
 * `b<number>`. Numbers are never reused: a retired bucket stays here as a comment.
 */
export const Bucket = {
  /** trie node hash (32 bytes) -> node encoding */
  trieNode: 1,
  /** block hash -> header bytes (opaque to the database) */
  blockHeader: 2,
  /** block hash -> body bytes (opaque to the database) */
  blockBody: 3,
  /** block hash -> block number (u32 big endian) */
  blockNumber: 4,
  /** block number (u32 big endian, so keys sort numerically) -> canonical block hash */
  canonicalHash: 5,
  /** utf-8 name (e.g. `best`, `finalized`, `genesis`) -> bytes */
  meta: 6,
  /** block hash -> finality justification bytes (opaque to the database) */
  justification: 7,
  /**
   * pruned databases: trie node hash -> reference count (u32 big endian) when above 1; a stored
   * node without an entry has one reference
   */
  trieNodeRefs: 8,
  /**
   * pruned databases: block number (u32 BE) ++ block hash ++ part (u16 BE) -> up to 60 of the
   * hashes of the trie nodes the block inserted (32 bytes each; part 0 always exists), kept until
   * finality keeps or discards the block. Databases written before parts hold the whole list
   * under the key without a part; it is still read.
   */
  stateInserted: 9,
  /**
   * pruned databases: block number (u32 BE) ++ block hash ++ part (u16 BE) -> up to 60 of the
   * hashes of the trie nodes the block's state no longer holds (32 bytes each), kept until the
   * parent's state is pruned (the whole list without a part in databases written before parts)
   */
  stateDeleted: 10,
  /**
   * pruned databases: hash of a finalized block whose voter set differs from its parent's ->
   * the authority proof of that block (SCALE `Vec<Vec<u8>>` of trie node encodings), kept after
   * its state is pruned so state-syncing peers can follow the set changes
   */
  authorityProof: 11,
} as const

/** One of the {@link Bucket} numbers. */
export type Bucket = (typeof Bucket)[keyof typeof Bucket]

/** Name of the LMDB sub-database holding a bucket (`b<number>`, shared by every store). */
export { bucketName } from '@crust-ts/base'
