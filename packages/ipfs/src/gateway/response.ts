/** The answer a handler produces; the server writes it (and drops the body of HEAD answers). */

export type ResponseBody = Uint8Array | string | AsyncIterable<Uint8Array>

export interface GatewayResponse {
  status: number
  headers: Record<string, string>
  /** Absent for 3xx/304 answers; never iterated for HEAD requests. */
  body?: ResponseBody
}

/**
 * True when an `If-None-Match` header matches `etag` (weak comparison, RFC 9110 §13.1.2): `*`, or
 * any listed tag equal to `etag` once `W/` prefixes are ignored.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false
  const trimmed = ifNoneMatch.trim()
  if (trimmed === '*') return true
  const wanted = stripWeak(etag)
  for (const candidate of splitEtags(trimmed)) {
    if (stripWeak(candidate) === wanted) return true
  }
  return false
}

/** Strong comparison for `If-Range` (RFC 9110 §13.1.5): only an identical, non-weak tag matches. */
export function ifRangeMatches(ifRange: string, etag: string): boolean {
  const value = ifRange.trim()
  return !value.startsWith('W/') && !etag.startsWith('W/') && value === etag
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag
}

/** Splits an entity-tag list, keeping commas that sit inside quoted tags. */
function splitEtags(list: string): string[] {
  const tags: string[] = []
  let current = ''
  let quoted = false
  for (const ch of list) {
    if (ch === '"') quoted = !quoted
    if (ch === ',' && !quoted) {
      if (current.trim() !== '') tags.push(current.trim())
      current = ''
    } else {
      current += ch
    }
  }
  if (current.trim() !== '') tags.push(current.trim())
  return tags
}

/**
 * A `Content-Disposition` value: `disposition; filename="<ascii>"`, plus `filename*=UTF-8''<pct>`
 * when the name is not plain ASCII (path gateway spec, RFC 8187).
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  if (ascii === filename) return `${disposition}; filename="${ascii}"`
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** Percent-encodes one path segment, leaving the characters RFC 3986 allows in a segment. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(2[146-9ABC]|3[ABD]|40)/gi, (match) => decodeURIComponent(match))
}
