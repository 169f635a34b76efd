/**
 * Bucket naming shared by every LMDB store (chain database, IPFS repo, sealed store, task store).
 * Each store keeps its own `Bucket` table of numbers; a bucket is one LMDB named sub-database called
 * `b<number>`. Numbers are never reused: a retired bucket stays in its table as a comment.
 */

/** Name of the LMDB sub-database holding bucket number `bucket`. */
export function bucketName(bucket: number): string {
  return `b${bucket}`
}
