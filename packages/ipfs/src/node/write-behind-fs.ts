import type { UnixFS } from '@helia/unixfs'
import type { LmdbBlockstore } from '../store/index.js'

const SINGLE_ADDS = new Set<PropertyKey>(['addBytes', 'addByteStream', 'addFile', 'addDirectory'])

/**
 * UnixFS whose imports write behind: `addBytes`, `addByteStream`, `addFile` and `addDirectory` run
 * in the block store's write-behind scope and resolve once all their blocks are committed;
 * `addAll` commits before yielding each entry. Hashing and committing then overlap instead of
 * alternating per batch of blocks (the importer waits for a whole batch of `put`s before hashing
 * the next), which is what takes an add near the disk's speed. Every other method is UnixFS's own.
 */
export function writeBehindUnixFS(fs: UnixFS, store: LmdbBlockstore): UnixFS {
  return new Proxy(fs, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      if (prop === 'addAll') {
        return (...args: unknown[]) => store.writeBehindIterate(() => method.apply(target, args) as AsyncIterable<unknown>)
      }
      if (SINGLE_ADDS.has(prop)) {
        return (...args: unknown[]) => store.writeBehind(() => method.apply(target, args) as Promise<unknown>)
      }
      return method.bind(target)
    },
  })
}
