/** Content path resolution: `/ipfs/<cid>/<segments...>` to the CID at its end. */
import { resolvers } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import type { RequestBlockstore } from './blockstore.js'
import { CODEC_DAG_PB, CODEC_RAW } from './constants.js'
import { GatewayError } from './errors.js'

export interface ResolvedPath {
  /** The CID at the end of the path. */
  cid: CID
  /** One CID per logical path segment, the content root first (`X-Ipfs-Roots`). */
  roots: CID[]
}

/**
 * Walks `segments` from `root` through UnixFS directories (plain and HAMT-sharded) and IPLD links,
 * reading blocks through `store`. Throws 404 when a segment does not exist, 501 for paths into
 * non-link IPLD data, and whatever the blockstore throws (504, 502, 412).
 */
export async function resolvePath(root: CID, segments: string[], store: RequestBlockstore, signal: AbortSignal): Promise<ResolvedPath> {
  let cid = root
  const roots = [root]
  let rest = segments
  while (rest.length > 0) {
    const resolver = resolvers[cid.code]
    if (resolver === undefined) {
      throw new GatewayError('GATEWAY_ERROR_UNSUPPORTED_CODEC', `cannot traverse a path through codec 0x${cid.code.toString(16)}`, {
        cid: cid.toString(),
      })
    }
    let moved = false
    try {
      for await (const result of resolver(cid, rest, store, { signal })) {
        if (result.cid.equals(roots[roots.length - 1]!)) break
        moved = true
        cid = result.cid
        rest = result.rest
        roots.push(cid)
      }
    } catch (err) {
      throw translateExporterError(err, root, segments)
    }
    if (!moved) {
      if (cid.code === CODEC_DAG_PB || cid.code === CODEC_RAW) {
        throw new GatewayError('GATEWAY_ERROR_NOT_FOUND', `no link named "${rest[0]}" under ${cid}`, {
          cid: cid.toString(),
          path: segments.join('/'),
        })
      }
      throw new GatewayError(
        'GATEWAY_ERROR_NOT_IMPLEMENTED',
        `pathing into IPLD data other than links is not supported (remaining path /${rest.join('/')} under ${cid})`,
        { cid: cid.toString() },
      )
    }
  }
  return { cid, roots }
}

/** Maps errors of `ipfs-unixfs-exporter` to gateway errors; passes anything else through. */
export function translateExporterError(err: unknown, root: CID, segments: string[]): unknown {
  if (err instanceof GatewayError) return err
  const name = (err as Error | undefined)?.name
  const message = (err as Error | undefined)?.message ?? String(err)
  const meta = { root: root.toString(), path: segments.join('/') }
  switch (name) {
    case 'NotFoundError':
    case 'BadPathError':
      return new GatewayError('GATEWAY_ERROR_NOT_FOUND', message, meta, { cause: err })
    case 'NoResolverError':
      return new GatewayError('GATEWAY_ERROR_UNSUPPORTED_CODEC', message, meta, { cause: err })
    case 'NotUnixFSError':
    case 'OverReadError':
    case 'UnderReadError':
      return new GatewayError('GATEWAY_ERROR_INTERNAL', `malformed DAG: ${message}`, meta, { cause: err })
    default:
      return err
  }
}
