/**
 * Serving content whose bytes can be read at any offset (UnixFS files, raw blocks, IPLD blocks):
 * `If-None-Match` → 304, `Range` → 206 (one range, or `multipart/byteranges` for several) or 416,
 * otherwise 200 with `Content-Length`.
 */
import { randomBytes } from 'node:crypto'
import { GatewayError } from './errors.js'
import { parseRange } from './range.js'
import type { GatewayRequest } from './request.js'
import { etagMatches, type GatewayResponse, ifRangeMatches } from './response.js'

/** Content of known size that can be read from any offset. */
export interface ByteSource {
  size: number
  read(start: number, length: number): AsyncIterable<Uint8Array>
}

export interface ServeBytesOptions {
  etag: string
  /** The content type, or a function computing it (only called when a body or HEAD answer is due). */
  contentType: string | (() => Promise<string>)
  /** Headers of every answer for this content (caching, `X-Ipfs-*`, disposition...). */
  headers: Record<string, string>
}

/** A {@link ByteSource} over bytes in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async *read(start, length) {
      if (length > 0) yield bytes.subarray(start, start + length)
    },
  }
}

/** The 304, 206, 416 or 200 answer to a GET/HEAD of `source`. */
export async function serveBytes(req: GatewayRequest, source: ByteSource, options: ServeBytesOptions): Promise<GatewayResponse> {
  const { etag } = options
  if (etagMatches(req.headers['if-none-match'], etag)) {
    return { status: 304, headers: { ...options.headers, ETag: etag } }
  }
  const contentType = typeof options.contentType === 'string' ? options.contentType : await options.contentType()
  const headers: Record<string, string> = {
    ...options.headers,
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Content-Type': contentType,
  }
  const { size } = source

  const ifRange = req.headers['if-range']
  const rangeHeader = ifRange === undefined || (typeof ifRange === 'string' && ifRangeMatches(ifRange, etag)) ? req.headers.range : undefined
  const ranges = parseRange(rangeHeader, size)
  if (ranges === 'unsatisfiable') {
    throw new GatewayError(
      'GATEWAY_ERROR_RANGE_NOT_SATISFIABLE',
      `range not satisfiable: content is ${size} bytes`,
      { size },
      {
        headers: { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' },
      },
    )
  }
  if (ranges === undefined) {
    return { status: 200, headers: { ...headers, 'Content-Length': String(size) }, body: source.read(0, size) }
  }
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!
    return {
      status: 206,
      headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) },
      body: source.read(start, end - start + 1),
    }
  }

  // Several ranges: multipart/byteranges (RFC 9110 §14.6).
  const boundary = randomBytes(16).toString('hex')
  const encoder = new TextEncoder()
  const parts = ranges.map(({ start, end }, i) => ({
    start,
    length: end - start + 1,
    head: encoder.encode(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`),
  }))
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  const length = parts.reduce((sum, p) => sum + p.head.length + p.length, tail.length)
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      yield part.head
      yield* source.read(part.start, part.length)
    }
    yield tail
  }
  return {
    status: 206,
    headers: {
      ...headers,
      'Content-Type': `multipart/byteranges; boundary=${boundary}`,
      'Content-Length': String(length),
    },
    body: body(),
  }
}
