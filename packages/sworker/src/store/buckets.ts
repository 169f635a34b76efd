/**
 * Namespaces of the sWorker's sealed store (one LMDB environment in the data folder). Each bucket
 * is one LMDB named sub-database called `b<number>`. Numbers are never reused: a retired bucket
 * stays here as a comment.
 */
export const Bucket = {
  // 1: sealed block records (store version 1); retired: the records are in data files (`block-files.ts`)

  /** utf-8 CID string -> file record (JSON) */
  files: 2,
  /** SRD unit id (16 bytes) -> unit record (JSON) */
  srdUnits: 3,
  /** utf-8 CID string -> what the last landed work report said about the file (JSON) */
  reportedFiles: 4,
  /** utf-8 name -> bytes: the store's own records (format version) */
  meta: 5,
  /** file key (utf-8 CID string) ‖ 0x00 ‖ block index (u32 BE) -> where the sealed block record lies in the file's data file: offset (u64 BE) ‖ length (u32 BE) */
  blockIndex: 6,
  /** utf-8 CID string -> the file's content tree for storage proofs: height (u8) ‖ size (u64 BE) ‖ root (32) ‖ levels from `height` up (32-byte hashes) */
  contentTrees: 7,
  /** file key (utf-8 CID string) ‖ 0x00 ‖ content offset (u64 BE) -> the index (u32 BE) of the block starting there in the file's content (its blocks in DAG order) */
  contentOffsets: 8,
} as const

/** One of the {@link Bucket} numbers. */
export type Bucket = (typeof Bucket)[keyof typeof Bucket]

/** Name of the LMDB sub-database holding a bucket (`b<number>`, shared by every store). */
export { bucketName } from '@crust-ts/base'
