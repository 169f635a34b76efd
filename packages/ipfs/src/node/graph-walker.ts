import type { GraphNode, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import { collectBytes } from '../store/index.js'

/**
 * A depth-first DAG walk for pinning, in Helia's graph-walker shape, that visits each block once
 * and reads one block at a time in plain sequence. Helia's own walker reports a failed block read
 * by calling `throw()` on a generator that is still running; the promise that returns is never
 * handled, so a pin of a DAG with an unobtainable block (fetch timeout) ends in an unhandled
 * rejection, which terminates a Node process. Here a failed read is simply the walk's error.
 */
export function sequentialWalker(): GraphWalkerFactory {
  // A read-ahead window of 0: each block is requested only when the walk reaches it.
  return prefetchingWalker(0)
}

/** Blocks a {@link prefetchingWalker} keeps in flight by default. */
export const DEFAULT_PREFETCH_WINDOW = 64

/**
 * The walk of {@link sequentialWalker} (same depth-first order, each block once, a failed read is
 * the walk's error), but reading ahead: as soon as a block's links are known, the blocks the walk
 * will visit next are requested, up to `window` at a time. A pin over the network then waits one
 * round trip per window of blocks instead of one per block (a block-at-a-time pull of 256 KiB
 * blocks ran at a quarter of the raw stream's speed). Reads still in flight when the walk ends or
 * fails are aborted, and their failures are never left unhandled.
 */
export function prefetchingWalker(window = DEFAULT_PREFETCH_WINDOW): GraphWalkerFactory {
  return (components) => ({
    async *walk<T = unknown>(root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const maxDepth = options.depth ?? Number.POSITIVE_INFINITY
      const stop = new AbortController()
      const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal])
      const readOptions = { ...options, signal }
      const seen = new Set<string>()
      const inFlight = new Map<string, Promise<Uint8Array>>()
      const read = (cid: CID): Promise<Uint8Array> => {
        const pending = collectBytes(components.blockstore.get(cid, readOptions))
        // Handled here so a read abandoned by a failed walk never becomes an unhandled rejection;
        // the walk awaits the same promise and sees its error.
        pending.catch(() => {})
        return pending
      }
      const stack: Array<{ cid: CID; depth: number; path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
      /** Requests the blocks nearest the top of the stack (the next to be visited) until `window` are in flight. */
      const fill = (): void => {
        for (let i = stack.length - 1; i >= 0 && inFlight.size < window; i--) {
          const key = stack[i]!.cid.multihash.bytes.toString()
          if (!seen.has(key) && !inFlight.has(key)) inFlight.set(key, read(stack[i]!.cid))
        }
      }
      try {
        while (stack.length > 0) {
          const { cid, depth, path } = stack.pop()!
          const key = cid.multihash.bytes.toString()
          if (seen.has(key)) continue
          seen.add(key)
          options.signal?.throwIfAborted()
          fill()
          const pending = inFlight.get(key) ?? read(cid)
          inFlight.delete(key)
          const bytes = await pending
          const block = createUnsafe({ cid, bytes, codec: await components.getCodec(cid.code) }) as GraphNode<T>['block']
          if (depth < maxDepth) {
            const children: CID[] = []
            for (const [, child] of block.links()) {
              if (options.includeChild?.(child, block) !== false) children.push(child)
            }
            for (let i = children.length - 1; i >= 0; i--) {
              const child = children[i]!
              stack.push({ cid: child, depth: depth + 1, path: [...path, child] })
            }
          }
          fill()
          yield { block, depth, path }
        }
      } finally {
        stop.abort()
      }
    },
  })
}
