/** Format version written into a new repo's meta bucket; a repo with another version is refused. */
export const REPO_FORMAT_VERSION = 'crust-ts-lmdb@1'

/** Name of the lock file in the repo folder (Kubo's name). */
export const REPO_LOCK_FILE = 'repo.lock'

/**
 * Writes a block store or datastore keeps in flight (issued, not yet committed) before it waits for
 * the oldest to commit. LMDB commits everything issued in one event-loop turn as one transaction,
 * so a deeper pipeline gives bigger transactions; this bounds the memory it holds.
 */
export const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024

/** Most named sub-databases the repo's LMDB environment may hold (see buckets.ts). */
export const REPO_MAX_DBS = 8
