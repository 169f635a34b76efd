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
