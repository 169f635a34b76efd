/**
 * Links of a block, in the order Kubo's traversals visit them (dag-pb: `Links` order; dag-cbor and
 * dag-json: depth-first through the decoded value), and a graph walker over them that visits each
 * block once (Helia's pin walkers take one).
 */
import type { GraphNode, GraphWalker, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import type { BlockView } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import type { CommandBlocks } from './blocks.js'
import { KuboApiError } from './errors.js'

/** Multicodec codes without links that the API may meet. */
const CBOR = 0x51
const LIBP2P_KEY = 0x72

function collect(value: unknown, out: CID[]): void {
  const cid = CID.asCID(value)
  if (cid !== null) {
    out.push(cid)
    return
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out)
    return
  }
  for (const v of Object.values(value)) collect(v, out)
}

/** Decodes a block with its CID's codec (the codecs Kubo ships with). */
export function decodeBlock(cid: CID, bytes: Uint8Array): unknown {
  switch (cid.code) {
    case dagPb.code:
      return dagPb.decode(bytes)
    case dagCbor.code:
      return dagCbor.decode(bytes)
    case dagJson.code:
      return dagJson.decode(bytes)
    case json.code:
      return json.decode(bytes)
    case raw.code:
    case LIBP2P_KEY:
      return bytes
    case CBOR:
      return dagCbor.decode(bytes)
    default:
      throw KuboApiError.command(`no decoder registered for multicodec code ${cid.code} (0x${cid.code.toString(16)})`)
  }
}

/** CIDs a block links to, in traversal order. */
export function blockLinks(cid: CID, bytes: Uint8Array): CID[] {
  switch (cid.code) {
    case dagPb.code:
      return dagPb.decode(bytes).Links.map((l) => l.Hash)
    case raw.code:
    case json.code:
    case CBOR:
    case LIBP2P_KEY:
      return []
    default: {
      const out: CID[] = []
      collect(decodeBlock(cid, bytes), out)
      return out
    }
  }
}

/** Key identifying a block regardless of CID version and codec (blockstores key by multihash). */
export function multihashKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64')
}

/**
 * A depth-first pre-order walker that visits every block once and honours `depth` (0: the root
 * only). Blocks come through {@link CommandBlocks}, so each fetch is bounded by the fetch timeout;
 * with `localOnly`, blocks missing from the local store are skipped instead of fetched (unpinning
 * never needs the network, and Kubo's `dag put --pin` pins without fetching children).
 */
/** Blocks requested ahead of the walk when pulling a DAG from peers. */
const PREFETCH_WINDOW = 32

export function walker(blocks: CommandBlocks, options: { localOnly?: boolean; known?: ReadonlyMap<string, CID[]> } = {}): GraphWalkerFactory {
  const localOnly = options.localOnly ?? false
  const known = options.known
  return (): GraphWalker => ({
    async *walk<T>(root: CID, walkOptions: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const maxDepth = walkOptions.depth ?? Number.POSITIVE_INFINITY
      const seen = new Set<string>()
      const stack: Array<{ cid: CID; depth: number; path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
      const fetchOptions = walkOptions.signal === undefined ? {} : { signal: walkOptions.signal }
      // Blocks next in walk order are requested ahead, so a DAG pulled from peers costs one round
      // trip per window of blocks instead of one per block; the walk order stays the same.
      const ahead = new Map<string, Promise<Uint8Array | undefined>>()
      const fetch = (cid: CID): Promise<Uint8Array | undefined> => {
        const key = multihashKey(cid)
        const pending = ahead.get(key)
        if (pending !== undefined) {
          ahead.delete(key)
          return pending
        }
        return localOnly ? blocks.local(cid) : blocks.bytes(cid, fetchOptions)
      }
      const prefetch = () => {
        if (localOnly) return
        for (let i = stack.length - 1; i >= 0 && ahead.size < PREFETCH_WINDOW && i >= stack.length - PREFETCH_WINDOW; i--) {
          const { cid } = stack[i]!
          const key = multihashKey(cid)
          if (ahead.has(key) || seen.has(key) || known?.has(cid.toString()) === true) continue
          const pending = blocks.bytes(cid, fetchOptions)
          pending.catch(() => {})
          ahead.set(key, pending)
        }
      }
      while (stack.length > 0) {
        const item = stack.pop()!
        const key = multihashKey(item.cid)
        if (seen.has(key)) continue
        seen.add(key)
        // links of blocks this request just wrote are known: no need to read them back
        const cached = known?.get(item.cid.toString())
        let bytes: Uint8Array | undefined
        if (cached === undefined) {
          bytes = await fetch(item.cid)
          if (bytes === undefined) continue
        }
        if (item.depth < maxDepth) {
          const links = cached ?? blockLinks(item.cid, bytes!)
          for (let i = links.length - 1; i >= 0; i--) {
            stack.push({ cid: links[i]!, depth: item.depth + 1, path: [...item.path, links[i]!] })
          }
        }
        prefetch()
        const block = { cid: item.cid, bytes: bytes ?? new Uint8Array() } as unknown as BlockView<T, number, number, 0 | 1>
        yield { block, depth: item.depth, path: item.path }
      }
    },
  })
}
