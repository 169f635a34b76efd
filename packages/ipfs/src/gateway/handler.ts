/** Dispatches a parsed `/ipfs/` request to the responder of its format. */
import type { IpfsNode } from '../interface.js'
import { RequestBlockstore } from './blockstore.js'
import { bytesSource, serveBytes } from './bytes.js'
import { parseCarParams, serveCar } from './car.js'
import { serveCodec } from './codec.js'
import { CONTENT_TYPE_RAW } from './constants.js'
import { contentHeaders, contentLocation, type RequestContext } from './context.js'
import { GatewayError } from './errors.js'
import type { GatewayRequest } from './request.js'
import { resolvePath } from './resolve.js'
import { contentDisposition, type GatewayResponse } from './response.js'
import { serveDeserialized } from './unixfs.js'

/** The answer to a GET or HEAD of `/ipfs/<cid>[/<path>]`. Throws {@link GatewayError} for errors. */
export async function handleIpfsRequest(node: IpfsNode, req: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse> {
  const serviceWorker = req.headers['service-worker']
  if (serviceWorker === 'script' && !req.trailingSlash) {
    throw new GatewayError('GATEWAY_ERROR_BAD_REQUEST', 'navigator.serviceWorker: registration is not allowed for this scope (the path must end with /)')
  }
  if (req.format === 'tar' || req.format === 'ipns-record') {
    throw new GatewayError('GATEWAY_ERROR_NOT_IMPLEMENTED', `format=${req.format} is not supported by this gateway`, {
      format: req.format,
    })
  }
  const carParams = req.format === 'car' ? parseCarParams(req.query, req.acceptParams) : undefined

  const cacheControl = req.headers['cache-control'] ?? ''
  const store = new RequestBlockstore({
    blocks: node.helia.blockstore,
    timeoutMs: node.fetchTimeoutMs,
    signal,
    offline: /(^|,)\s*only-if-cached\s*(,|$)/i.test(cacheControl),
  })
  const ctx: RequestContext = { req, store, signal }

  if (carParams !== undefined) store.recording = []
  const resolved = await resolvePath(req.root, req.segments, store, signal)
  const pathBlocks = store.recording ?? []
  store.recording = undefined

  switch (req.format) {
    case undefined:
      return serveDeserialized(ctx, resolved)
    case 'raw': {
      const block = await store.getBlock(resolved.cid)
      const filename = req.query.get('filename') || `${resolved.cid}.bin`
      return serveBytes(req, bytesSource(block), {
        etag: `"${resolved.cid}.raw"`,
        contentType: CONTENT_TYPE_RAW,
        headers: {
          ...contentHeaders(req, resolved.roots),
          ...contentLocation(req, 'raw'),
          'Content-Disposition': contentDisposition('attachment', filename),
          'X-Content-Type-Options': 'nosniff',
        },
      })
    }
    case 'car':
      return serveCar(ctx, resolved, carParams!, pathBlocks)
    case 'dag-json':
    case 'dag-cbor':
    case 'json':
    case 'cbor':
      return serveCodec(ctx, resolved, req.format)
  }
}
