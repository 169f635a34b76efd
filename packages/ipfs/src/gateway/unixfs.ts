/**
 * Deserialized answers: UnixFS files (with type detection and ranges), directories (trailing-slash
 * redirect, `index.html`, or a generated listing), and blocks of JSON/CBOR codecs served as-is.
 */
import { exporter, type UnixFSDirectory, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { type ByteSource, bytesSource, serveBytes } from './bytes.js'
import {
  CODEC_CBOR,
  CODEC_DAG_CBOR,
  CODEC_DAG_JSON,
  CODEC_DAG_PB,
  CODEC_JSON,
  CODEC_RAW,
  CONTENT_TYPE_CBOR,
  CONTENT_TYPE_DAG_CBOR,
  CONTENT_TYPE_DAG_JSON,
  CONTENT_TYPE_HTML,
  CONTENT_TYPE_JSON,
  DIR_LISTING_CACHE_CONTROL,
  DIR_LISTING_VERSION,
  SNIFF_BYTES,
} from './constants.js'
import { contentTypeFromName, sniffContentType } from './content-type.js'
import { contentHeaders, type RequestContext } from './context.js'
import { GatewayError } from './errors.js'
import { readFileRange } from './file-reader.js'
import { renderListing } from './listing.js'
import { type ResolvedPath, resolvePath, translateExporterError } from './resolve.js'
import { contentDisposition, etagMatches, type GatewayResponse } from './response.js'

type ReadableEntry = Extract<UnixFSEntry, { type: 'file' | 'raw' | 'identity' }>

/** Content types of codecs whose blocks are served as they are. */
const CODEC_CONTENT_TYPES: Record<number, { type: string; suffix: string }> = {
  [CODEC_JSON]: { type: CONTENT_TYPE_JSON, suffix: 'json' },
  [CODEC_DAG_JSON]: { type: CONTENT_TYPE_DAG_JSON, suffix: 'dag-json' },
  [CODEC_DAG_CBOR]: { type: CONTENT_TYPE_DAG_CBOR, suffix: 'dag-cbor' },
  [CODEC_CBOR]: { type: CONTENT_TYPE_CBOR, suffix: 'cbor' },
}

/** The deserialized answer for the entity at the end of the resolved path. */
export async function serveDeserialized(ctx: RequestContext, resolved: ResolvedPath): Promise<GatewayResponse> {
  const { cid } = resolved
  if (cid.code === CODEC_DAG_PB || cid.code === CODEC_RAW) {
    const entry = await exportEntry(ctx, cid)
    if (entry.type === 'directory') return serveDirectory(ctx, entry, resolved)
    if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
      return serveFile(ctx, entry, ctx.req.segments.at(-1), resolved.roots)
    }
    throw new GatewayError('GATEWAY_ERROR_INTERNAL', `unexpected UnixFS entry type "${entry.type}"`, { cid: cid.toString() })
  }
  const codec = CODEC_CONTENT_TYPES[cid.code]
  if (codec === undefined) {
    throw new GatewayError('GATEWAY_ERROR_UNSUPPORTED_CODEC', `codec 0x${cid.code.toString(16)} cannot be deserialized; request ?format=raw or ?format=car`, {
      cid: cid.toString(),
    })
  }
  const block = await ctx.store.getBlock(cid)
  return serveBytes(ctx.req, bytesSource(block), {
    etag: `"${cid}.${codec.suffix}"`,
    contentType: codec.type,
    headers: contentHeaders(ctx.req, resolved.roots),
  })
}

async function exportEntry(ctx: RequestContext, cid: CID): Promise<UnixFSEntry> {
  try {
    return await exporter(cid, ctx.store, { signal: ctx.signal })
  } catch (err) {
    throw translateExporterError(err, ctx.req.root, ctx.req.segments)
  }
}

/** A file's bytes, read block by block from the request's blockstore. */
function fileSource(ctx: RequestContext, entry: ReadableEntry): ByteSource {
  const size = Number(entry.size)
  return {
    size,
    read: (start, length) => readFileRange(ctx.store, entry.cid, size, start, start + length),
  }
}

async function sniff(ctx: RequestContext, source: ByteSource): Promise<string> {
  const length = Math.min(SNIFF_BYTES, source.size)
  const sample = new Uint8Array(length)
  let filled = 0
  for await (const chunk of source.read(0, length)) {
    sample.set(chunk.subarray(0, length - filled), filled)
    filled += chunk.length
    if (filled >= length) break
  }
  ctx.signal.throwIfAborted()
  return sniffContentType(sample.subarray(0, Math.min(filled, length)), source.size <= SNIFF_BYTES)
}

function lastModified(entry: UnixFSEntry): Record<string, string> {
  if (entry.type !== 'file' && entry.type !== 'directory') return {}
  const mtime = entry.unixfs.mtime
  if (mtime === undefined) return {}
  const date = new Date(Number(mtime.secs) * 1000)
  return Number.isNaN(date.getTime()) ? {} : { 'Last-Modified': date.toUTCString() }
}

/** A UnixFS file or raw block: 200/206/304/416 with the type from its name or its first bytes. */
export async function serveFile(ctx: RequestContext, entry: ReadableEntry, name: string | undefined, roots: CID[]): Promise<GatewayResponse> {
  const { req } = ctx
  const headers: Record<string, string> = { ...contentHeaders(req, roots), ...lastModified(entry) }
  const filename = req.query.get('filename')
  if (filename !== null && filename !== '') {
    headers['Content-Disposition'] = contentDisposition(req.query.get('download') === 'true' ? 'attachment' : 'inline', filename)
  } else if (req.query.get('download') === 'true' && name !== undefined) {
    headers['Content-Disposition'] = contentDisposition('attachment', name)
  }
  const source = fileSource(ctx, entry)
  const typeName = filename !== null && filename !== '' ? filename : name
  const contentType = async (): Promise<string> => {
    if (entry.type === 'file' && entry.unixfs.type === 'symlink') return 'inode/symlink'
    return (typeName === undefined ? undefined : contentTypeFromName(typeName)) ?? (await sniff(ctx, source))
  }
  return serveBytes(req, source, { etag: `"${entry.cid}"`, contentType, headers })
}

/**
 * A directory: 301 to the URL with a trailing slash, else its `index.html` as a file, else an HTML
 * listing of its entries.
 */
async function serveDirectory(ctx: RequestContext, dir: UnixFSDirectory, resolved: ResolvedPath): Promise<GatewayResponse> {
  const { req } = ctx
  if (!req.trailingSlash) {
    return {
      status: 301,
      headers: {
        ...contentHeaders(req, resolved.roots),
        Location: `${req.rawPath}/${req.rawQuery === '' ? '' : `?${req.rawQuery}`}`,
      },
    }
  }

  const index = await findIndex(ctx, dir.cid)
  if (index !== undefined) return serveFile(ctx, index, 'index.html', resolved.roots)

  const etag = `"DirIndex-${DIR_LISTING_VERSION}_CID-${dir.cid}"`
  const headers: Record<string, string> = {
    ...contentHeaders(req, resolved.roots),
    'Cache-Control': DIR_LISTING_CACHE_CONTROL,
    ETag: etag,
    ...lastModified(dir),
  }
  if (etagMatches(req.headers['if-none-match'], etag)) return { status: 304, headers }
  const path = `/ipfs/${req.root}/${req.segments.map((s) => `${s}/`).join('')}`
  const entries = async function* () {
    try {
      yield* dir.entries({ signal: ctx.signal })
    } catch (err) {
      throw translateExporterError(err, req.root, req.segments)
    }
  }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': CONTENT_TYPE_HTML },
    body: renderListing({ path, dirCid: dir.cid, parent: req.segments.length > 0, entries: entries() }),
  }
}

/** The directory's `index.html` when it has one that is a file. */
async function findIndex(ctx: RequestContext, dirCid: CID): Promise<ReadableEntry | undefined> {
  let indexCid: CID
  try {
    indexCid = (await resolvePath(dirCid, ['index.html'], ctx.store, ctx.signal)).cid
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'GATEWAY_ERROR_NOT_FOUND') return undefined
    throw err
  }
  const entry = await exportEntry(ctx, indexCid)
  return entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity' ? entry : undefined
}
