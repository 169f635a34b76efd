/**
 * A streaming client for Kubo's `add` and `files/stat`. `add` goes out over node:http(s) with
 * backpressure: global fetch (which kubo-rpc-client uses) keeps every chunk of a streamed request
 * body until the response is done, so a 1 GiB upload would hold 1 GiB of memory.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { SdkError } from './errors.js'

/** One multipart part: a directory (no `file`) or a file read from disk. */
export interface AddPart {
  /** Path inside the upload, `/`-separated. */
  path: string
  file?: string
}

/** One line of Kubo's add response. */
export interface AddedEntry {
  Name: string
  Hash: string
  Size?: string
}

export interface KuboAddOptions {
  cidVersion: 0 | 1
  pin: boolean
  headers?: Record<string, string>
  /** Called with each chunk's length as it is handed to the socket. */
  onBytes?: (n: number) => void
  signal?: AbortSignal
}

function apiUrl(base: string, command: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/api/v0/${command}`)
}

/** Kubo's error bodies are `{"Message": "...", "Code": 0, "Type": "error"}`. */
function apiMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { Message?: string }
    if (typeof parsed.Message === 'string') return parsed.Message
  } catch {
    // not JSON
  }
  return `HTTP ${status}${body === '' ? '' : `: ${body.slice(0, 200)}`}`
}

async function* multipartBody(parts: AddPart[], boundary: string, options: KuboAddOptions): AsyncGenerator<Buffer> {
  for (const [i, part] of parts.entries()) {
    const kind = part.file === undefined ? 'application/x-directory' : 'application/octet-stream'
    const field = `${part.file === undefined ? 'dir' : 'file'}${i === 0 ? '' : `-${i}`}`
    yield Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${encodeURIComponent(part.path)}"\r\nContent-Type: ${kind}\r\n\r\n`,
    )
    if (part.file === undefined) continue
    for await (const chunk of createReadStream(part.file) as AsyncIterable<Buffer>) {
      options.onBytes?.(chunk.length)
      yield chunk
    }
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`)
}

/** POSTs the parts to `<base>/api/v0/add` and returns the response's entries. */
export async function kuboAdd(base: string, parts: AddPart[], options: KuboAddOptions): Promise<AddedEntry[]> {
  const url = apiUrl(base, 'add')
  url.searchParams.set('cid-version', String(options.cidVersion))
  url.searchParams.set('pin', String(options.pin))
  url.searchParams.set('progress', 'false')
  const boundary = `crust-ts-${randomUUID()}`
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    headers: { ...options.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  const response = new Promise<AddedEntry[]>((resolve, reject) => {
    request.once('error', reject)
    request.once('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        text += d
      })
      res.once('error', reject)
      res.once('end', () => {
        if (res.statusCode !== 200) {
          reject(new SdkError('SDK_ERROR_IPFS', `IPFS API ${base}: ${apiMessage(res.statusCode ?? 0, text)}`, { url: base, status: res.statusCode }))
          return
        }
        const streamError = res.trailers['x-stream-error']
        if (streamError !== undefined && streamError !== '') {
          reject(new SdkError('SDK_ERROR_IPFS', `IPFS API ${base}: ${streamError}`, { url: base }))
          return
        }
        const entries: AddedEntry[] = []
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue
          const entry = JSON.parse(line) as AddedEntry & { Message?: string; Type?: string }
          if (entry.Type === 'error') {
            reject(new SdkError('SDK_ERROR_IPFS', `IPFS API ${base}: ${entry.Message ?? 'add failed'}`, { url: base }))
            return
          }
          if (typeof entry.Hash === 'string') entries.push(entry)
        }
        resolve(entries)
      })
    })
  })
  // A server that answers early (an error) ends the upload; its answer is the error to report.
  const sent = pipeline(Readable.from(multipartBody(parts, boundary, options)), request).catch((err: unknown) => err)
  const [entries, sendError] = await Promise.allSettled([response, sent])
  if (entries.status === 'fulfilled') return entries.value
  throw entries.reason ?? (sendError.status === 'fulfilled' ? sendError.value : undefined)
}

/** `files/stat` of a content path: the DAG's cumulative size. */
export async function kuboCumulativeSize(base: string, path: string, options: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<number> {
  const url = apiUrl(base, 'files/stat')
  url.searchParams.set('arg', path)
  const res = await fetch(url, {
    method: 'POST',
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  const text = await res.text()
  if (!res.ok) throw new SdkError('SDK_ERROR_IPFS', `IPFS API ${base}: ${apiMessage(res.status, text)}`, { url: base, status: res.status })
  const stat = JSON.parse(text) as { CumulativeSize?: number }
  if (typeof stat.CumulativeSize !== 'number') throw new SdkError('SDK_ERROR_IPFS', `IPFS API ${base}: files/stat gave no CumulativeSize`, { url: base })
  return stat.CumulativeSize
}
