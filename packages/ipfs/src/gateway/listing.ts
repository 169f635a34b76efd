/** The HTML index of a UnixFS directory without `index.html`, streamed as its entries are read. */
import type { CID } from 'multiformats/cid'
import { encodePathSegment } from './response.js'

export interface ListingEntry {
  name: string
  cid: CID
  /** DAG size of the entry (the link's `Tsize`): shown without fetching the child. */
  size: bigint
}

export interface ListingInit {
  /** The decoded content path of the directory, e.g. `/ipfs/bafy.../docs/` (shown, escaped). */
  path: string
  dirCid: CID
  /** Show a link to the parent directory (false at the content root). */
  parent: boolean
  entries: AsyncIterable<ListingEntry>
}

/** Rows written per chunk of the response. */
const ROWS_PER_CHUNK = 64

const STYLE = [
  'body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}',
  'h1{font-size:1.2em;word-break:break-all}',
  'table{border-collapse:collapse;width:100%}',
  'td,th{padding:.3em .6em;text-align:left;border-bottom:1px solid #eee}',
  'td.size,th.size{text-align:right;white-space:nowrap}',
  'td.cid{font-family:monospace;font-size:.85em;color:#666}',
  'a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}',
].join('')

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** `1.5 KiB`-style sizes. */
export function formatSize(bytes: bigint): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = Number(bytes)
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** Yields the listing page in UTF-8 chunks. Entry names are escaped; links are relative (`./name`). */
export async function* renderListing(init: ListingInit): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  const title = `Index of ${escapeHtml(init.path)}`
  let html =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${title}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n` +
    `<h1>${title}</h1>\n<p class="cid">${escapeHtml(init.dirCid.toString())}</p>\n` +
    '<table>\n<thead><tr><th>Name</th><th>CID</th><th class="size">Size</th></tr></thead>\n<tbody>\n'
  if (init.parent) html += '<tr><td><a href="../">..</a></td><td></td><td></td></tr>\n'
  let rows = 0
  for await (const entry of init.entries) {
    const cid = entry.cid.toString()
    html +=
      `<tr><td><a href="./${escapeHtml(encodePathSegment(entry.name))}">${escapeHtml(entry.name)}</a></td>` +
      `<td class="cid"><a href="/ipfs/${escapeHtml(cid)}">${escapeHtml(cid)}</a></td>` +
      `<td class="size">${formatSize(entry.size)}</td></tr>\n`
    if (++rows % ROWS_PER_CHUNK === 0) {
      yield encoder.encode(html)
      html = ''
    }
  }
  html += '</tbody>\n</table>\n</body>\n</html>\n'
  yield encoder.encode(html)
}
