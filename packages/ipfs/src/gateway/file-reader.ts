/**
 * Reads a byte range of a UnixFS file (DAG-PB `file`/`raw` nodes, raw leaves, identity blocks)
 * straight from the request's blockstore: a depth-first walk that visits only the children
 * overlapping the range, with a bounded, ordered prefetch of siblings so that network fetches
 * overlap. Nothing is buffered beyond the prefetch window: the consumer's pace drives the reads.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { CODEC_DAG_PB, CODEC_RAW, FILE_PREFETCH_BLOCKS } from './constants.js'
import { GatewayError } from './errors.js'

/** Whole blocks by CID, fetched as the caller's store sees fit (the gateway's and the API's request views). */
export interface BlockReader {
  getBlock(cid: CID): Promise<Uint8Array>
}

/**
 * Yields the bytes `[start, end)` of the file rooted at `root` whose total size is `size`, with up
 * to `window` sibling blocks requested ahead of the one being read (per DAG level).
 * Throws {@link GatewayError} (500) when the DAG contradicts its own sizes.
 */
export async function* readFileRange(
  store: BlockReader,
  root: CID,
  size: number,
  start: number,
  end: number,
  window = FILE_PREFETCH_BLOCKS,
): AsyncGenerator<Uint8Array> {
  if (end <= start) return
  let emitted = 0
  for await (const chunk of readNode(store, root, await store.getBlock(root), 0, size, start, end, Math.max(1, window))) {
    emitted += chunk.length
    yield chunk
  }
  if (emitted !== end - start) throw malformed(root, `read ${emitted} bytes where ${end - start} were expected`)
}

function malformed(cid: CID, why: string): GatewayError {
  return new GatewayError('GATEWAY_ERROR_INTERNAL', `malformed UnixFS file ${cid}: ${why}`, { cid: cid.toString() })
}

/** The part of `data` (which starts at file offset `at`) inside `[start, end)`, or undefined. */
function clip(data: Uint8Array, at: number, start: number, end: number): Uint8Array | undefined {
  const from = Math.max(start - at, 0)
  const to = Math.min(end - at, data.length)
  return to > from ? data.subarray(from, to) : undefined
}

async function* readNode(
  store: BlockReader,
  cid: CID,
  block: Uint8Array,
  at: number,
  expected: number,
  start: number,
  end: number,
  window: number,
): AsyncGenerator<Uint8Array> {
  if (cid.code === CODEC_RAW) {
    if (block.length !== expected) throw malformed(cid, `leaf has ${block.length} bytes, its parent says ${expected}`)
    const part = clip(block, at, start, end)
    if (part !== undefined) yield part
    return
  }
  if (cid.code !== CODEC_DAG_PB) throw malformed(cid, `unexpected codec 0x${cid.code.toString(16)} in a file`)
  let unixfs: UnixFS
  let links: dagPb.PBLink[]
  try {
    const node = dagPb.decode(block)
    if (node.Data === undefined) throw new Error('no UnixFS data')
    unixfs = UnixFS.unmarshal(node.Data)
    links = node.Links
  } catch (err) {
    throw malformed(cid, (err as Error).message)
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw' && unixfs.type !== 'symlink') {
    throw malformed(cid, `a ${unixfs.type} node inside a file`)
  }
  const own = unixfs.data ?? new Uint8Array(0)
  const total = unixfs.type === 'symlink' ? own.length : Number(unixfs.fileSize())
  if (total !== expected) throw malformed(cid, `node holds ${total} bytes, its parent says ${expected}`)
  const part = clip(own, at, start, end)
  if (part !== undefined) yield part
  if (links.length !== unixfs.blockSizes.length) throw malformed(cid, 'links and block sizes differ in number')

  // The children overlapping the range, with their offsets and sizes.
  const wanted: { cid: CID; at: number; size: number }[] = []
  let position = at + own.length
  for (let i = 0; i < links.length && position < end; i++) {
    const childSize = Number(unixfs.blockSizes[i])
    if (position + childSize > start && childSize > 0) wanted.push({ cid: links[i]!.Hash, at: position, size: childSize })
    position += childSize
  }

  // Ordered prefetch: up to `window` sibling fetches in flight.
  const inflight: Promise<Uint8Array>[] = []
  let next = 0
  const fill = (): void => {
    while (next < wanted.length && inflight.length < window) {
      const fetch = store.getBlock(wanted[next++]!.cid)
      // Rejections are observed when awaited in order; never let them go unhandled meanwhile.
      fetch.catch(() => {})
      inflight.push(fetch)
    }
  }
  for (const child of wanted) {
    fill()
    const childBlock = await inflight.shift()!
    yield* readNode(store, child.cid, childBlock, child.at, child.size, start, end, window)
  }
}
