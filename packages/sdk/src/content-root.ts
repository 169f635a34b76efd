/**
 * The content root of an added DAG (issue #18): the `storageProof` commitment over the DAG's
 * blocks concatenated depth-first, links in order (a block linked twice counted twice), exactly what
 * storage nodes seal and prove and the chain checks challenge answers against. Read back from the
 * IPFS node the DAG was just added to, a few blocks ahead at a time.
 */
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { storageProof } from '@crust-ts/protocol'
import { DEFAULT_IPFS_API } from './constants.js'
import { SdkError, throwIfAborted } from './errors.js'
import { createKuboClient } from './kubo/index.js'

const RAW_CODE = 0x55
/** Blocks fetched ahead of the walk (bounded memory: a few chunks). */
const PREFETCH_BLOCKS = 8

export interface ContentRootParameters {
  cid: string
  /** Base URL of the Kubo-compatible API, e.g. `http://127.0.0.1:5001`. */
  ipfsApi?: string
  /** Extra request headers (a W3Auth gateway's authorization). */
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** A content root as `market.place_storage_order_with_root` takes it: 0x hex of 32 bytes, and the content size. */
export interface ContentRootReturnType {
  root: string
  size: number
}
/** `SDK_ERROR_UNSUPPORTED_CODEC` for a block other than dag-pb or raw; the Kubo client's errors for a failed read. */
export type ContentRootErrorType = SdkError

/** The links of a block, in order (dag-pb; raw blocks have none); other codecs cannot be committed to here. */
function linksOf(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === RAW_CODE) return []
  if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map((l) => l.Hash)
  throw new SdkError('SDK_ERROR_UNSUPPORTED_CODEC', `cannot compute a content root over codec 0x${cid.code.toString(16)} (dag-pb and raw only)`, {
    cid: cid.toString(),
  })
}

/** Walks the DAG under `cid` from the IPFS API and returns its content root. */
export async function dagContentRoot(params: ContentRootParameters): Promise<ContentRootReturnType> {
  const kubo = createKuboClient({ url: params.ipfsApi ?? DEFAULT_IPFS_API, ...(params.headers === undefined ? {} : { headers: params.headers }) })
  const signal = params.signal === undefined ? {} : { signal: params.signal }
  const builder = new storageProof.ContentTreeBuilder()
  // The walk's stack, next block last; each entry's fetch starts once it is among the next PREFETCH_BLOCKS.
  const stack: Array<{ cid: CID; bytes?: Promise<Uint8Array> }> = [{ cid: CID.parse(params.cid) }]
  while (stack.length > 0) {
    throwIfAborted(params.signal)
    for (let i = stack.length - 1; i >= Math.max(0, stack.length - PREFETCH_BLOCKS); i--) {
      const entry = stack[i]!
      if (entry.bytes === undefined) {
        entry.bytes = kubo.block.get(entry.cid, signal)
        entry.bytes.catch(() => {})
      }
    }
    const next = stack.pop()!
    const bytes = await next.bytes!
    builder.update(bytes)
    const links = linksOf(next.cid, bytes)
    for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i]! })
  }
  const { root, size } = builder.finish()
  return { root: `0x${Buffer.from(root).toString('hex')}`, size }
}
