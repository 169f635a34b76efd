/**
 * Content-Type of UnixFS files: from the file name's extension when it has a known one, otherwise
 * sniffed from the first bytes (a subset of the WHATWG MIME sniffing rules, as Go's
 * `http.DetectContentType` implements them, plus SVG and JSON).
 */
import { posix } from 'node:path'
import mime from 'mime-types'
import { CONTENT_TYPE_JSON, CONTENT_TYPE_OCTETS, CONTENT_TYPE_TEXT } from './constants.js'

/**
 * The type registered for the name's extension, with a charset for text types; `undefined` when
 * the name has no extension or an unknown one. HTML gets no charset: like Kubo, the gateway lets
 * the browser read the document's own `<meta charset>`.
 */
export function contentTypeFromName(name: string): string | undefined {
  const ext = posix.extname(name)
  if (ext === '') return undefined
  const type = mime.lookup(ext)
  if (type === false) return undefined
  if (type === 'text/html') return 'text/html'
  return mime.contentType(type) || type
}

interface Signature {
  type: string
  /** Bytes that must match at offset 0 (`undefined` entries match anything). */
  prefix: (number | undefined)[]
}

const sig = (type: string, text: string | (number | undefined)[]): Signature => ({
  type,
  prefix: typeof text === 'string' ? [...text].map((c) => c.charCodeAt(0)) : text,
})

/** Binary formats recognised by magic bytes, checked in order. */
const SIGNATURES: Signature[] = [
  sig('application/pdf', '%PDF-'),
  sig('application/postscript', '%!PS-Adobe-'),
  sig('image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  sig('image/jpeg', [0xff, 0xd8, 0xff]),
  sig('image/gif', 'GIF87a'),
  sig('image/gif', 'GIF89a'),
  sig('image/webp', [0x52, 0x49, 0x46, 0x46, undefined, undefined, undefined, undefined, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50]),
  sig('image/bmp', 'BM'),
  sig('image/x-icon', [0x00, 0x00, 0x01, 0x00]),
  sig('image/avif', [undefined, undefined, undefined, undefined, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66]),
  sig('video/mp4', [undefined, undefined, undefined, undefined, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]),
  sig('video/mp4', [undefined, undefined, undefined, undefined, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34]),
  sig('video/webm', [0x1a, 0x45, 0xdf, 0xa3]),
  sig('audio/wave', [0x52, 0x49, 0x46, 0x46, undefined, undefined, undefined, undefined, 0x57, 0x41, 0x56, 0x45]),
  sig('audio/mpeg', 'ID3'),
  sig('audio/ogg', 'OggS\u0000'),
  sig('audio/flac', 'fLaC'),
  sig('font/woff', 'wOFF'),
  sig('font/woff2', 'wOF2'),
  sig('font/ttf', [0x00, 0x01, 0x00, 0x00, 0x00]),
  sig('font/otf', 'OTTO'),
  sig('application/wasm', [0x00, 0x61, 0x73, 0x6d]),
  sig('application/zip', [0x50, 0x4b, 0x03, 0x04]),
  sig('application/gzip', [0x1f, 0x8b, 0x08]),
  sig('application/x-bzip2', 'BZh'),
  sig('application/x-xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]),
  sig('application/zstd', [0x28, 0xb5, 0x2f, 0xfd]),
  sig('application/x-7z-compressed', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]),
  sig('application/vnd.rar', 'Rar!\u001a\u0007'),
]

/** Tags that make a document HTML when it starts with one (WHATWG "text/html" patterns). */
const HTML_TAGS = [
  '<!DOCTYPE HTML',
  '<HTML',
  '<HEAD',
  '<SCRIPT',
  '<IFRAME',
  '<H1',
  '<DIV',
  '<FONT',
  '<TABLE',
  '<A',
  '<STYLE',
  '<TITLE',
  '<B',
  '<BODY',
  '<BR',
  '<P',
  '<!--',
]

/**
 * Guesses the type of content from its first bytes (pass {@link SNIFF_BYTES} of them, fewer only
 * when the file is that short; `complete` says the sample is the whole file).
 */
export function sniffContentType(sample: Uint8Array, complete: boolean): string {
  for (const { type, prefix } of SIGNATURES) {
    if (matchesPrefix(sample, prefix)) return type
  }
  if (startsWith(sample, [0xfe, 0xff])) return 'text/plain; charset=utf-16be'
  if (startsWith(sample, [0xff, 0xfe])) return 'text/plain; charset=utf-16le'
  const bom = startsWith(sample, [0xef, 0xbb, 0xbf]) ? 3 : 0
  if (!isText(sample.subarray(bom), complete)) return CONTENT_TYPE_OCTETS
  const text = new TextDecoder('utf-8').decode(sample.subarray(bom))
  const start = text.trimStart()
  if (isSvg(start)) return 'image/svg+xml'
  if (isHtml(start)) return 'text/html'
  if (start.startsWith('<?xml')) return 'text/xml; charset=utf-8'
  if (isJson(start, complete)) return CONTENT_TYPE_JSON
  return CONTENT_TYPE_TEXT
}

function matchesPrefix(sample: Uint8Array, prefix: (number | undefined)[]): boolean {
  if (sample.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) {
    const expected = prefix[i]
    if (expected !== undefined && sample[i] !== expected) return false
  }
  return true
}

function startsWith(sample: Uint8Array, prefix: number[]): boolean {
  return matchesPrefix(sample, prefix)
}

/**
 * True when the sample has no binary control bytes and is valid UTF-8 (a multi-byte sequence cut
 * by the end of an incomplete sample is allowed).
 */
function isText(bytes: Uint8Array, complete: boolean): boolean {
  for (const b of bytes) {
    // NUL..BS, VT, SO..SUB, FS..US and DEL mark binary data; TAB, LF, FF, CR and ESC do not.
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f) || b === 0x7f) return false
  }
  let end = bytes.length
  if (!complete) {
    // Drop a trailing partial UTF-8 sequence (at most 3 bytes) before validating.
    for (let back = 1; back <= 3 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back]!
      if ((b & 0xc0) !== 0x80) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
        if (need > back) end = bytes.length - back
        break
      }
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end))
    return true
  } catch {
    return false
  }
}

function isHtml(text: string): boolean {
  const upper = text.slice(0, 16).toUpperCase()
  for (const tag of HTML_TAGS) {
    if (!upper.startsWith(tag)) continue
    const next = upper.charAt(tag.length)
    if (tag === '<!--' || next === ' ' || next === '>' || next === '\t' || next === '\n' || next === '\r') return true
  }
  return false
}

function isSvg(text: string): boolean {
  if (text.startsWith('<svg')) return true
  const head = text.slice(0, 512)
  return (head.startsWith('<?xml') || head.startsWith('<!DOCTYPE svg') || head.startsWith('<!--')) && /<svg[\s>]/.test(head)
}

/**
 * JSON: a complete sample must parse; a cut one must open an object or array the way JSON does
 * (`{` then `"` or `}`, `[` then a value or `]`).
 */
function isJson(text: string, complete: boolean): boolean {
  const first = text.charAt(0)
  if (first !== '{' && first !== '[') return false
  if (complete) {
    try {
      JSON.parse(text)
      return true
    } catch {
      return false
    }
  }
  const next = text.slice(1).trimStart().charAt(0)
  if (first === '{') return next === '"' || next === '}'
  return next !== '' && /["{[\]\-0-9tfn]/.test(next)
}
