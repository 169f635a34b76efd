/** What every responder gets: the parsed request, its blockstore view and its abort signal. */
import type { CID } from 'multiformats/cid'
import type { RequestBlockstore } from './blockstore.js'
import { IMMUTABLE_CACHE_CONTROL } from './constants.js'
import type { GatewayRequest } from './request.js'

export interface RequestContext {
  req: GatewayRequest
  store: RequestBlockstore
  signal: AbortSignal
}

/** Headers of every answer about `/ipfs/` content: caching, the content path and its roots. */
export function contentHeaders(req: GatewayRequest, roots: CID[]): Record<string, string> {
  return {
    'Cache-Control': IMMUTABLE_CACHE_CONTROL,
    'X-Ipfs-Path': req.rawPath,
    'X-Ipfs-Roots': roots.map((cid) => cid.toString()).join(','),
    Vary: 'Accept',
  }
}

/**
 * `Content-Location` for an answer whose format was negotiated with `Accept` only: the same URL
 * with `format=` added, so that HTTP caches keep the representations apart (path gateway spec).
 */
export function contentLocation(req: GatewayRequest, format: string): Record<string, string> {
  if (!req.formatFromAccept) return {}
  const query = new URLSearchParams(req.rawQuery)
  query.set('format', format)
  return { 'Content-Location': `${req.rawPath}?${query.toString()}` }
}
