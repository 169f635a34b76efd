/**
 * Namespaces of the IPFS repo's LMDB environment. Each bucket is one LMDB named sub-database called
 * `b<number>`. Numbers are never reused: a retired bucket stays here as a comment.
 */
export const Bucket = {
  /** multihash bytes -> block bytes (so CIDv0 and CIDv1 of the same bytes share one block, as in Kubo) */
  blocks: 1,
  /** datastore key (utf-8 of `Key.toString()`) -> value: Helia's pins, libp2p's peer store, metadata */
  datastore: 2,
  /** utf-8 name -> bytes: the repo's own records (format version) */
  meta: 3,
} as const

/** One of the {@link Bucket} numbers. */
export type Bucket = (typeof Bucket)[keyof typeof Bucket]

/** Name of the LMDB sub-database holding a bucket (`b<number>`, shared by every store). */
export { bucketName } from '@crust-ts/base'
