/**
 * Kubo's `add`, streamed over node:http(s) with backpressure: global fetch (which kubo-rpc-client
 * uses) keeps every chunk of a streamed request body until the response is done, so a 1 GiB upload
 * would hold 1 GiB of memory; here file contents are read as the socket takes them (~1 MiB held).
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { apiUrl, answerError, streamError } from './http.js'

/** One multipart part: a directory (no `file`) or a file read from disk. */
export interface AddPart {
  /** Path inside the upload, `/`-separated. */
  path: string
  file?: string
  /** Called with each chunk of the file before it is sent (a tee); the upload waits for a returned promise. */
  onChunk?: (chunk: Uint8Array) => void | Promise<void>
}

/** One line of Kubo's add response. */
export interface AddedEntry {
  Name: string
  Hash: string
  Size?: string
}

export interface KuboAddOptions {
  /** CID version of the result (default 0, as Kubo). */
  cidVersion?: 0 | 1
  /** Pin what is added (default true, as Kubo). */
  pin?: boolean
  /** Called with the bytes of file content sent so far, as chunks are handed to the socket. */
  progress?: (bytes: number) => void
  signal?: AbortSignal
}

interface AddRequest extends KuboAddOptions {
  headers?: Record<string, string>
}

async function* multipartBody(parts: AddPart[], boundary: string, options: AddRequest): AsyncGenerator<Buffer> {
  let sent = 0
  for (const [i, part] of parts.entries()) {
    const kind = part.file === undefined ? 'application/x-directory' : 'application/octet-stream'
    const field = `${part.file === undefined ? 'dir' : 'file'}${i === 0 ? '' : `-${i}`}`
    yield Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${encodeURIComponent(part.path)}"\r\nContent-Type: ${kind}\r\n\r\n`,
    )
    if (part.file === undefined) continue
    for await (const chunk of createReadStream(part.file) as AsyncIterable<Buffer>) {
      sent += chunk.length
      options.progress?.(sent)
      const teed = part.onChunk?.(chunk)
      if (teed !== undefined) await teed
      yield chunk
    }
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`)
}

/** POSTs the parts to `<base>/api/v0/add` and returns the response's entries. */
export async function kuboAdd(base: string, parts: AddPart[], options: AddRequest): Promise<AddedEntry[]> {
  const url = apiUrl(base, 'add', [
    ['cid-version', String(options.cidVersion ?? 0)],
    ['pin', String(options.pin ?? true)],
    ['progress', 'false'],
  ])
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
          reject(answerError(base, 'add', res.statusCode ?? 0, text))
          return
        }
        const trailer = res.trailers['x-stream-error']
        if (trailer !== undefined && trailer !== '') {
          reject(streamError(base, 'add', String(trailer)))
          return
        }
        const entries: AddedEntry[] = []
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue
          const entry = JSON.parse(line) as AddedEntry & { Message?: string; Type?: string }
          if (entry.Type === 'error') {
            reject(streamError(base, 'add', entry.Message ?? 'add failed'))
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
