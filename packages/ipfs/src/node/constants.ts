/** Kubo's default chunk size (`size-262144`). */
export const KUBO_CHUNK_SIZE = 262_144
/** Kubo's default most links per UnixFS file node (balanced layout). */
export const KUBO_MAX_LINKS = 174
/** Kubo's default HAMT sharding threshold for directories, in bytes (estimated from links). */
export const KUBO_SHARD_THRESHOLD_BYTES = 262_144
/** Kubo's HAMT fanout (256 buckets per shard, boxo `DefaultShardWidth`), as bits. */
export const KUBO_SHARD_FANOUT_BITS = 8
/** Kubo's default `Datastore.StorageMax` (10 GB), reported by `repo stat`. */
export const DEFAULT_STORAGE_MAX = 10_000_000_000
/** Default time to wait for one block from the network. */
export const DEFAULT_FETCH_TIMEOUT_MS = 60_000
/** Folder of the LMDB environment inside the repo folder. */
export const REPO_DB_FOLDER = 'lmdb'
/** Most peers the retrieval scores remember (least recently updated ones are forgotten first). */
export const DEFAULT_MAX_SCORED_PEERS = 10_000
/**
 * Blocks the importer hashes and writes concurrently during an add. LMDB commits the writes issued
 * in one event-loop turn as one transaction, so more in flight means fewer, larger commits (64 ×
 * 256 KiB = 16 MiB in flight); the importer's default of 10 leaves the CPU idle waiting for commits.
 */
export const ADD_BLOCK_WRITE_CONCURRENCY = 64
/**
 * Prefix of Helia's per-block pin records (`PinsImpl`'s `/pinned-block/<base36 multihash>`): a
 * block is pinned (for `pins.isPinned`, so for GC) while its record exists.
 */
export const PINNED_BLOCK_PREFIX = '/pinned-block/'

/** How often a running node saves its retrieval scores (also saved at stop). */
export const SCORES_SAVE_INTERVAL_MS = 60_000
