/**
 * Trustless CAR answers (`?format=car`, `Accept: application/vnd.ipld.car`): a CARv1 stream, written
 * with @ipld/car's `CarWriter`, of the blocks needed to verify the path from the root CID to its
 * end, then the DAG at the end of the path in depth-first order, limited by `dag-scope`
 * (`all`, `entity`, `block`) and `entity-bytes`; duplicates omitted unless `dups=y`.
 */
import { createHash } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { CarWriter } from '@ipld/car/writer'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { CODEC_DAG_CBOR, CODEC_DAG_JSON, CODEC_DAG_PB, CODEC_RAW, CONTENT_TYPE_CAR, FILE_PREFETCH_BLOCKS, MULTIHASH_IDENTITY } from './constants.js'
import { contentHeaders, contentLocation, type RequestContext } from './context.js'
import { GatewayError } from './errors.js'
import type { RequestBlockstore } from './blockstore.js'
import type { ResolvedPath } from './resolve.js'
import { contentDisposition, etagMatches, type GatewayResponse } from './response.js'
import { printable } from './request.js'

export type DagScope = 'all' | 'entity' | 'block'

export interface CarParams {
  scope: DagScope
  /** `entity-bytes=from:to` as sent (`to` may be `*`; either may be negative). */
  entityBytes: { from: number; to: number | '*' } | undefined
  order: 'dfs' | 'unk'
  dups: boolean
}

/**
 * CAR parameters from the query (`dag-scope`, `entity-bytes`, `car-version`, `car-order`,
 * `car-dups`) and the `Accept` media range (`version`, `order`, `dups`); the query wins.
 * Throws 400 for values this gateway does not support.
 */
export function parseCarParams(query: URLSearchParams, acceptParams: Record<string, string>): CarParams {
  const bad = (message: string): GatewayError => new GatewayError('GATEWAY_ERROR_BAD_REQUEST', message)
  const version = query.get('car-version') || acceptParams['version'] || ''
  if (version !== '' && version !== '1') throw bad(`unsupported CAR version "${printable(version)}": only version=1 is supported`)
  const order = query.get('car-order') || acceptParams['order'] || 'dfs'
  if (order !== 'dfs' && order !== 'unk') throw bad(`unsupported CAR order "${printable(order)}": dfs or unk`)
  const dups = query.get('car-dups') || acceptParams['dups'] || 'n'
  if (dups !== 'y' && dups !== 'n') throw bad(`unsupported CAR dups "${printable(dups)}": y or n`)

  let entityBytes: CarParams['entityBytes']
  const bytes = query.get('entity-bytes')
  if (bytes !== null) {
    const match = /^(-?\d+):(-?\d+|\*)$/.exec(bytes)
    if (match === null) throw bad(`invalid entity-bytes "${printable(bytes)}": expected from:to`)
    const from = Number(match[1])
    const to = match[2] === '*' ? '*' : Number(match[2])
    if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) throw bad('entity-bytes out of range')
    if (to !== '*' && from >= 0 && to >= 0 && to < from) throw bad(`invalid entity-bytes "${bytes}": to is before from`)
    entityBytes = { from, to }
  }
  const scopeParam = query.get('dag-scope')
  let scope: DagScope = entityBytes === undefined ? 'all' : 'entity'
  if (scopeParam !== null) {
    if (scopeParam !== 'all' && scopeParam !== 'entity' && scopeParam !== 'block') {
      throw bad(`unsupported dag-scope "${printable(scopeParam)}": all, entity or block`)
    }
    scope = scopeParam
  }
  return { scope, entityBytes, order, dups: dups === 'y' }
}

interface Walk {
  cid: CID
  /** Inclusive byte range of this node's data still wanted (`entity-bytes`), relative to the node. */
  range: [number, number] | undefined
}

/** The CAR answer for the resolved path; `pathBlocks` are the blocks the path walk read. */
export async function serveCar(ctx: RequestContext, resolved: ResolvedPath, params: CarParams, pathBlocks: CID[]): Promise<GatewayResponse> {
  const { req, store } = ctx
  // Load the entity's root block before answering: a missing root is an error status, not a cut stream.
  const rootBlock = await store.getBlock(resolved.cid)
  let scope = params.scope
  let range: [number, number] | undefined
  if (params.entityBytes !== undefined && scope !== 'block') {
    const size = byteEntitySize(resolved.cid, rootBlock)
    if (size !== undefined) {
      const { from, to } = params.entityBytes
      const start = from < 0 ? Math.max(size + from, 0) : from
      const end = to === '*' ? size - 1 : Math.min(to < 0 ? size + to : to, size - 1)
      if (start >= size && size > 0) {
        throw new GatewayError('GATEWAY_ERROR_BAD_REQUEST', `entity-bytes starts after the end of the entity (${size} bytes)`, {
          size,
        })
      }
      if (end < start) scope = 'block'
      else range = [start, end]
    }
  }

  const hash = createHash('sha256')
    .update(`${req.segments.join('/')}\u0000scope=${params.scope}\u0000order=${params.order}\u0000dups=${params.dups}`)
    .update(params.entityBytes === undefined ? '' : `\u0000bytes=${params.entityBytes.from}:${params.entityBytes.to}`)
    .digest('base64url')
    .slice(0, 16)
  const etag = `W/"${req.root}.car.${hash}"`
  const last = req.segments.at(-1)
  const filename = req.query.get('filename') || `${req.root}${last === undefined ? '' : `_${last}`}.car`
  const headers: Record<string, string> = {
    ...contentHeaders(req, resolved.roots),
    ...contentLocation(req, 'car'),
    ETag: etag,
    'Content-Type': `${CONTENT_TYPE_CAR}; version=1; order=${params.order}; dups=${params.dups ? 'y' : 'n'}`,
    'Content-Disposition': contentDisposition('attachment', filename),
    'X-Content-Type-Options': 'nosniff',
    'Accept-Ranges': 'none',
  }
  if (etagMatches(req.headers['if-none-match'], etag)) return { status: 304, headers }

  const blocks = walkCar(store, pathBlocks, { cid: resolved.cid, range }, rootBlock, scope, params.dups)
  return { status: 200, headers, body: carStream(req.root, blocks, ctx.signal) }
}

/** The byte length of a UnixFS file or raw block; `undefined` for anything else. */
function byteEntitySize(cid: CID, block: Uint8Array): number | undefined {
  if (cid.code === CODEC_RAW) return block.length
  if (cid.code !== CODEC_DAG_PB) return undefined
  try {
    const node = dagPb.decode(block)
    if (node.Data === undefined) return undefined
    const unixfs = UnixFS.unmarshal(node.Data)
    if (unixfs.type !== 'file' && unixfs.type !== 'raw') return undefined
    return Number(unixfs.fileSize())
  } catch {
    return undefined
  }
}

interface Block {
  cid: CID
  bytes: Uint8Array
}

/** Path blocks first, then a depth-first walk of the entity; identity blocks are never written. */
async function* walkCar(store: RequestBlockstore, pathBlocks: CID[], root: Walk, rootBlock: Uint8Array, scope: DagScope, dups: boolean): AsyncGenerator<Block> {
  const seen = new Set<string>()
  const isIdentity = (cid: CID): boolean => cid.multihash.code === MULTIHASH_IDENTITY
  for (const cid of pathBlocks) {
    const key = cid.toString()
    if (cid.equals(root.cid) || isIdentity(cid) || (!dups && seen.has(key))) continue
    seen.add(key)
    yield { cid, bytes: await store.getBlock(cid) }
  }
  const stack: Walk[] = [root]
  // Blocks about to be visited (the top of the stack) are fetched ahead, so that network fetches overlap.
  const prefetched = new Map<string, Promise<Uint8Array>>()
  const prefetch = (): void => {
    for (let i = stack.length - 1; i >= 0 && i >= stack.length - FILE_PREFETCH_BLOCKS; i--) {
      const key = stack[i]!.cid.toString()
      if (prefetched.has(key) || (!dups && seen.has(key))) continue
      const fetch = store.getBlock(stack[i]!.cid)
      // Rejections surface when the block is visited; never let them go unhandled meanwhile.
      fetch.catch(() => {})
      prefetched.set(key, fetch)
    }
  }
  while (stack.length > 0) {
    const item = stack.pop()!
    const key = item.cid.toString()
    if (!dups && seen.has(key)) continue
    seen.add(key)
    let bytes: Uint8Array
    if (item === root) {
      bytes = rootBlock
    } else {
      const pending = prefetched.get(key)
      prefetched.delete(key)
      bytes = await (pending ?? store.getBlock(item.cid))
    }
    if (!isIdentity(item.cid)) yield { cid: item.cid, bytes }
    if (scope === 'block') break
    const children = childrenOf(item, bytes, scope)
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
    prefetch()
  }
}

/** The links to follow from a block, in order, for the given scope. */
function childrenOf(item: Walk, bytes: Uint8Array, scope: DagScope): Walk[] {
  switch (item.cid.code) {
    case CODEC_DAG_PB:
      return dagPbChildren(item, bytes, scope)
    case CODEC_DAG_CBOR:
      return scope === 'all' ? linksIn(dagCbor.decode(bytes)).map((cid) => ({ cid, range: undefined })) : []
    case CODEC_DAG_JSON:
      return scope === 'all' ? linksIn(dagJson.decode(bytes)).map((cid) => ({ cid, range: undefined })) : []
    default:
      // raw, json, cbor and unknown codecs: no links we can follow.
      return []
  }
}

function dagPbChildren(item: Walk, bytes: Uint8Array, scope: DagScope): Walk[] {
  const node = dagPb.decode(bytes)
  const all = (): Walk[] => node.Links.map((link) => ({ cid: link.Hash, range: undefined }))
  let unixfs: UnixFS | undefined
  try {
    unixfs = node.Data === undefined ? undefined : UnixFS.unmarshal(node.Data)
  } catch {
    unixfs = undefined
  }
  if (unixfs === undefined) return scope === 'all' ? all() : []
  if (unixfs.type === 'file' || unixfs.type === 'raw') {
    // Files are entities as a whole; entity-bytes keeps only the children overlapping the range.
    if (item.range === undefined || node.Links.length !== unixfs.blockSizes.length) return all()
    const [from, to] = item.range
    const children: Walk[] = []
    let position = unixfs.data?.length ?? 0
    node.Links.forEach((link, i) => {
      const size = Number(unixfs.blockSizes[i])
      const start = position
      const end = position + size - 1
      position += size
      if (size > 0 && end >= from && start <= to) {
        children.push({ cid: link.Hash, range: [Math.max(from - start, 0), Math.min(to - start, size - 1)] })
      }
    })
    return children
  }
  if (scope === 'all') return all()
  if (unixfs.type === 'hamt-sharded-directory') {
    // The entity of a sharded directory is its shards: links named by the bucket prefix only.
    const prefixLength = (Number(unixfs.fanout ?? 256n) - 1).toString(16).length
    return node.Links.filter((link) => (link.Name ?? '').length === prefixLength).map((link) => ({
      cid: link.Hash,
      range: undefined,
    }))
  }
  return []
}

/** Every CID inside a decoded IPLD value, in traversal order. */
function linksIn(value: unknown): CID[] {
  const links: CID[] = []
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    const cid = CID.asCID(v)
    if (cid !== null) {
      links.push(cid)
      continue
    }
    if (v instanceof Uint8Array) continue
    const values = Array.isArray(v) ? v : Object.values(v)
    for (let i = values.length - 1; i >= 0; i--) stack.push(values[i])
  }
  return links
}

/**
 * The CAR bytes: `CarWriter` fed by `blocks` on one side, its output yielded on the other. An error
 * from `blocks` ends the stream early (the HTTP response is then cut, as the spec requires once
 * 200 is sent); a consumer that stops early stops the producer.
 */
async function* carStream(root: CID, blocks: AsyncIterable<Block>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root])
  const stop = new AbortController()
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))
  let failure: unknown
  let failed = false
  const producer = (async () => {
    try {
      for await (const block of blocks) {
        if (stop.signal.aborted || signal.aborted) return
        await Promise.race([writer.put(block), stopped])
      }
    } catch (err) {
      failed = true
      failure = err
    }
    if (!stop.signal.aborted) await writer.close()
  })()
  try {
    for await (const chunk of out) yield chunk
    await producer
    if (failed) throw failure
  } finally {
    stop.abort()
  }
}
