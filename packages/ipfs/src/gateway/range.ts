/** `Range: bytes=...` parsing (RFC 9110 §14) for UnixFS files and raw blocks. */
import { MAX_RANGES } from './constants.js'

/** An inclusive byte range inside content of known size. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * What a `Range` header asks of content of `size` bytes:
 * - `undefined`: serve everything (no header, a syntax error, a unit other than bytes, too many
 *   ranges, or empty content: RFC 9110 lets a server ignore such headers, as Go's net/http does);
 * - `'unsatisfiable'`: no range overlaps the content (416);
 * - otherwise the satisfiable ranges, clamped to the content, in request order.
 */
export function parseRange(header: string | undefined, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const match = /^\s*bytes\s*=(.*)$/i.exec(header)
  if (match === null) return undefined
  const specs = match[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (specs.length === 0 || specs.length > MAX_RANGES) return undefined
  const ranges: ByteRange[] = []
  for (const spec of specs) {
    const parts = /^(\d*)-(\d*)$/.exec(spec)
    if (parts === null) return undefined
    const [, first, last] = parts as unknown as [string, string, string]
    if (first === '' && last === '') return undefined
    if (first === '') {
      // Suffix range: the last N bytes.
      const length = Number(last)
      if (!Number.isSafeInteger(length)) return undefined
      if (length === 0 || size === 0) continue
      ranges.push({ start: Math.max(size - length, 0), end: size - 1 })
      continue
    }
    const start = Number(first)
    const end = last === '' ? Number.POSITIVE_INFINITY : Number(last)
    if (!Number.isSafeInteger(start) || (last !== '' && !Number.isSafeInteger(end))) return undefined
    if (end < start) return undefined
    if (start >= size) continue
    ranges.push({ start, end: Math.min(end, size - 1) })
  }
  if (ranges.length === 0) return size === 0 ? undefined : 'unsatisfiable'
  return ranges
}
