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
  return (components) => ({
    async *walk<T = unknown>(root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const maxDepth = options.depth ?? Number.POSITIVE_INFINITY
      const seen = new Set<string>()
      const stack: Array<{ cid: CID; depth: number; path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
      while (stack.length > 0) {
        const { cid, depth, path } = stack.pop()!
        const key = cid.multihash.bytes.toString()
        if (seen.has(key)) continue
        seen.add(key)
        options.signal?.throwIfAborted()
        const bytes = await collectBytes(components.blockstore.get(cid, options))
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
        yield { block, depth, path }
      }
    },
  })
}
