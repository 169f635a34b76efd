/**
 * Memory a writer wants back once the block store is done with it. lmdb-js does not copy a put's
 * value: its writer thread reads the bytes straight from the caller's buffer, up to the commit of
 * the transaction that holds them. A writer that reuses its buffers (the add's chunker: fresh
 * memory costs a page fault per 4 KiB on first touch, a third of an add's main thread) may
 * overwrite them only after that. Bytes registered here are handed back by {@link LmdbBlockstore}
 * once their write settled (committed or failed), or at once when the block was already stored.
 * A put that never reaches that store (dropped by a layer above it, aborted, `only-hash`) never
 * hands them back, and the memory is then simply not reused.
 */
const releases = new WeakMap<Uint8Array, () => void>()

/** Calls `release` once the block store no longer reads `bytes` (this exact view, put as is). */
export function releaseAfterWrite(bytes: Uint8Array, release: () => void): void {
  releases.set(bytes, release)
}

/** The release registered for `bytes`, removed: the caller calls it once the write settled. */
export function takeRelease(bytes: Uint8Array): (() => void) | undefined {
  const release = releases.get(bytes)
  if (release !== undefined) releases.delete(bytes)
  return release
}
