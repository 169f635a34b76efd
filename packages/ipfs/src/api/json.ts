/**
 * JSON as Go's `encoding/json` writes it, so our output is byte-for-byte Kubo's: keys in struct
 * order (callers build objects in that order), `<`, `>`, `&`, U+2028 and U+2029 escaped, 64-bit
 * integers as bare digits (bigint), float32 values in their shortest form, one value per line.
 */
import { CID } from 'multiformats/cid'
import { KuboApiError } from './errors.js'

/** A float32 field (Go prints the shortest decimal that round-trips through float32). */
export class GoFloat32 {
  constructor(readonly value: number) {}
}

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

function encodeString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]!)
}

function encodeFloat32(v: number): string {
  const f = Math.fround(v)
  if (!Number.isFinite(f)) throw KuboApiError.command(`json: unsupported value: ${v}`)
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p))
    if (Math.fround(candidate) === f) return String(candidate)
  }
  return String(f)
}

function encodeValue(value: unknown): string | undefined {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return encodeString(value)
    case 'number':
      if (!Number.isFinite(value)) throw KuboApiError.command(`json: unsupported value: ${value}`)
      return String(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
    default:
      break
  }
  if (value instanceof GoFloat32) return encodeFloat32(value.value)
  const cid = CID.asCID(value)
  // go-cid marshals a CID as an IPLD link.
  if (cid !== null) return `{"/":${encodeString(cid.toString())}}`
  if (Array.isArray(value)) return `[${value.map((v) => encodeValue(v) ?? 'null').join(',')}]`
  const parts: string[] = []
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const encoded = encodeValue(v)
    if (encoded !== undefined) parts.push(`${encodeString(key)}:${encoded}`)
  }
  return `{${parts.join(',')}}`
}

/** Encodes one value as Go's `json.Encoder.Encode` does (with the trailing newline). */
export function goJsonLine(value: unknown): string {
  return `${encodeValue(value) ?? 'null'}\n`
}
