/**
 * How an acknowledged write reaches the disk:
 * - `overlapping`: LMDB's `overlappingSync`. A write resolves once its transaction is committed:
 *   visible, and kept if the process dies (SIGKILL, crash); the fsync follows in the background, so
 *   a power loss can lose the last transactions, never part of one.
 * - `sync`: a write resolves after its transaction is flushed (fsync): durable against power loss.
 */
export type RepoDurability = 'sync' | 'overlapping'

/** Options of {@link LmdbRepo.open}. */
export interface LmdbRepoInit {
  /** Folder of the LMDB environment (created if missing). */
  path: string
  durability?: RepoDurability
}

/** Defaults of {@link LmdbRepoInit}. */
export const defaultLmdbRepoOptions: Required<Omit<LmdbRepoInit, 'path'>> = {
  durability: 'overlapping',
}

/**
 * Writes a block store or datastore keeps in flight (issued, not yet committed) before it waits for
 * the oldest to commit. LMDB commits everything issued in one event-loop turn as one transaction,
 * so a deeper pipeline gives bigger transactions; this bounds the memory it holds.
 */
export const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024
