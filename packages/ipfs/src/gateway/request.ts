/**
 * Turns an HTTP request into a gateway request: the content root CID, the decoded path segments
 * (rejecting anything that could step outside the DAG) and the negotiated response format.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import {
  CONTENT_TYPE_CAR,
  CONTENT_TYPE_CBOR,
  CONTENT_TYPE_DAG_CBOR,
  CONTENT_TYPE_DAG_JSON,
  CONTENT_TYPE_IPNS_RECORD,
  CONTENT_TYPE_JSON,
  CONTENT_TYPE_RAW,
  CONTENT_TYPE_TAR,
} from './constants.js'
import { GatewayError } from './errors.js'

/** Explicitly requested response formats (`?format=` names); `undefined` means deserialized. */
export type ResponseFormat = 'raw' | 'car' | 'tar' | 'dag-json' | 'dag-cbor' | 'json' | 'cbor' | 'ipns-record'

const FORMAT_BY_NAME: Record<string, ResponseFormat> = {
  raw: 'raw',
  car: 'car',
  tar: 'tar',
  'dag-json': 'dag-json',
  'dag-cbor': 'dag-cbor',
  json: 'json',
  cbor: 'cbor',
  'ipns-record': 'ipns-record',
}

/**
 * Media types that select a format through `Accept`. `application/json` and `application/cbor`
 * are deliberately absent: clients send them for JSON error bodies, and a deserialized JSON or
 * CBOR block already comes back with that type; use `?format=json|cbor` for conversions.
 */
const FORMAT_BY_MEDIA_TYPE: Record<string, ResponseFormat> = {
  [CONTENT_TYPE_RAW]: 'raw',
  [CONTENT_TYPE_CAR]: 'car',
  [CONTENT_TYPE_TAR]: 'tar',
  [CONTENT_TYPE_DAG_JSON]: 'dag-json',
  [CONTENT_TYPE_DAG_CBOR]: 'dag-cbor',
  [CONTENT_TYPE_IPNS_RECORD]: 'ipns-record',
}

/** The media type of each format, for `Content-Type` and error messages. */
export const MEDIA_TYPE_BY_FORMAT: Record<ResponseFormat, string> = {
  raw: CONTENT_TYPE_RAW,
  car: CONTENT_TYPE_CAR,
  tar: CONTENT_TYPE_TAR,
  'dag-json': CONTENT_TYPE_DAG_JSON,
  'dag-cbor': CONTENT_TYPE_DAG_CBOR,
  json: CONTENT_TYPE_JSON,
  cbor: CONTENT_TYPE_CBOR,
  'ipns-record': CONTENT_TYPE_IPNS_RECORD,
}

export interface GatewayRequest {
  method: 'GET' | 'HEAD'
  /** The URL path as sent (still percent-encoded), without the query: `X-Ipfs-Path`. */
  rawPath: string
  /** The query string without `?` ('' when absent). */
  rawQuery: string
  query: URLSearchParams
  /** The content root. */
  root: CID
  /** Decoded path segments after the CID, empty ones dropped. */
  segments: string[]
  /** The URL path ends with `/`. */
  trailingSlash: boolean
  /** The explicit response format, from `?format=` or else `Accept`; `undefined` for deserialized. */
  format: ResponseFormat | undefined
  /** The format came from `Accept` and not from `?format=` (answer with `Content-Location`). */
  formatFromAccept: boolean
  /** Parameters of the `Accept` media range that chose the format (CAR `version`, `order`, `dups`). */
  acceptParams: Record<string, string>
  headers: IncomingHttpHeaders
}

/** Where a request goes before its CID is parsed. */
export type RequestTarget = { kind: 'ipfs'; request: GatewayRequest } | { kind: 'ipns' } | { kind: 'other' }

const MULTIBASE_DECODER = Object.values(bases)
  .map((base) => base.decoder)
  .reduce((a, b) => a.or(b) as unknown as typeof a)

/** Parses a CID in any multibase (CIDv0 is base58btc without prefix). Throws 400 when invalid. */
export function parseCid(text: string): CID {
  try {
    return CID.parse(text, MULTIBASE_DECODER)
  } catch (err) {
    throw new GatewayError('GATEWAY_ERROR_INVALID_CID', `invalid CID "${printable(text)}": ${(err as Error).message}`, { cid: printable(text) }, { cause: err })
  }
}

/** Parses the request target; throws {@link GatewayError} 400 for malformed paths, CIDs or formats. */
export function parseRequest(method: 'GET' | 'HEAD', url: string, headers: IncomingHttpHeaders): RequestTarget {
  // Node hands non-ASCII bytes of the request target over as latin1 characters: percent-encode
  // them (and any other byte that is not visible ASCII) back, so that raw UTF-8 in a URL decodes
  // like its escaped form and the path can be echoed in headers.
  let target = url.replace(/[^\x21-\x7e]/g, (c) => {
    const code = c.charCodeAt(0)
    return code > 0xff ? encodeURIComponent(c) : `%${code.toString(16).toUpperCase().padStart(2, '0')}`
  })
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target)
  if (absolute !== null) target = target.slice(absolute[0].length) || '/'
  const hash = target.indexOf('#')
  if (hash !== -1) target = target.slice(0, hash)
  const q = target.indexOf('?')
  const rawPath = q === -1 ? target : target.slice(0, q)
  const rawQuery = q === -1 ? '' : target.slice(q + 1)
  if (!rawPath.startsWith('/')) throw new GatewayError('GATEWAY_ERROR_INVALID_PATH', 'request path must start with /')

  const rawSegments = rawPath.split('/').slice(1)
  const namespace = rawSegments[0]
  if (namespace === 'ipns') return { kind: 'ipns' }
  if (namespace !== 'ipfs') return { kind: 'other' }

  const segments: string[] = []
  for (const raw of rawSegments.slice(1)) {
    const segment = decodeSegment(raw)
    if (segment !== '') segments.push(segment)
  }
  const cidText = segments.shift()
  if (cidText === undefined) throw new GatewayError('GATEWAY_ERROR_INVALID_CID', 'missing CID: expected /ipfs/<cid>[/<path>]')
  const root = parseCid(cidText)

  const query = new URLSearchParams(rawQuery)
  let format: ResponseFormat | undefined
  let formatFromAccept = false
  let acceptParams: Record<string, string> = {}
  const formatParam = query.get('format')
  if (formatParam !== null && formatParam !== '') {
    format = FORMAT_BY_NAME[formatParam]
    if (format === undefined) {
      throw new GatewayError('GATEWAY_ERROR_BAD_REQUEST', `unsupported format "${printable(formatParam)}"`, {
        format: printable(formatParam),
      })
    }
  }
  const accepted = negotiateFormat(headers.accept)
  if (accepted !== undefined) {
    if (format === undefined) {
      format = accepted.format
      formatFromAccept = true
    }
    if (accepted.format === format) acceptParams = accepted.params
  }

  return {
    kind: 'ipfs',
    request: {
      method,
      rawPath,
      rawQuery,
      query,
      root,
      segments,
      trailingSlash: rawPath.endsWith('/'),
      format,
      formatFromAccept,
      acceptParams,
      headers,
    },
  }
}

/**
 * Decodes one percent-encoded path segment. Rejects (400) malformed encodings and every segment
 * that could change the path's structure once decoded: `.`, `..`, `/`, `\` and NUL.
 */
function decodeSegment(raw: string): string {
  let segment: string
  try {
    segment = decodeURIComponent(raw)
  } catch {
    throw new GatewayError('GATEWAY_ERROR_INVALID_PATH', `invalid percent-encoding in path segment "${printable(raw)}"`)
  }
  if (segment === '.' || segment === '..') {
    throw new GatewayError('GATEWAY_ERROR_INVALID_PATH', 'path traversal segments ("." and "..") are not allowed in content paths')
  }
  if (segment.includes('/') || segment.includes('\\') || segment.includes('\u0000')) {
    throw new GatewayError('GATEWAY_ERROR_INVALID_PATH', 'path segments must not contain encoded "/", "\\" or NUL')
  }
  return segment
}

interface MediaRange {
  type: string
  params: Record<string, string>
  q: number
}

/** Parses an `Accept` header into media ranges, highest `q` first (stable for equal `q`). */
export function parseAccept(accept: string | undefined): MediaRange[] {
  if (accept === undefined || accept === '') return []
  const ranges: MediaRange[] = []
  for (const part of accept.split(',')) {
    const [typePart, ...paramParts] = part.split(';')
    const type = typePart!.trim().toLowerCase()
    if (type === '') continue
    const params: Record<string, string> = {}
    let q = 1
    for (const p of paramParts) {
      const eq = p.indexOf('=')
      if (eq === -1) continue
      const key = p.slice(0, eq).trim().toLowerCase()
      const value = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
      if (key === 'q') {
        const parsed = Number(value)
        q = Number.isFinite(parsed) ? parsed : 0
      } else {
        params[key] = value
      }
    }
    if (q > 0) ranges.push({ type, params, q })
  }
  return ranges
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i)
    .map(({ r }) => r)
}

function negotiateFormat(accept: string | undefined): { format: ResponseFormat; params: Record<string, string> } | undefined {
  for (const range of parseAccept(accept)) {
    const format = FORMAT_BY_MEDIA_TYPE[range.type]
    if (format !== undefined) return { format, params: range.params }
  }
  return undefined
}

/** True when the client prefers JSON error bodies (`Accept` lists `application/json`). */
export function acceptsJson(accept: string | undefined): boolean {
  return parseAccept(accept).some((r) => r.type === CONTENT_TYPE_JSON)
}

/** A string safe to echo in a message: control characters escaped, length bounded. */
export function printable(text: string): string {
  const clipped = text.length > 200 ? `${text.slice(0, 200)}…` : text
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return clipped.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
