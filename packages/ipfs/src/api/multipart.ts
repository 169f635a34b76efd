/**
 * Streaming reader of the multipart bodies Kubo's API accepts (`add`, `block/put`, `dag/put`,
 * `dag/import`), on busboy: parts come out one at a time, each file's bytes are read straight from
 * the socket (nothing is buffered beyond busboy's small window), and the next part is parsed only
 * once the previous one was consumed. Part names follow boxo's `multipartfile.go`: the `filename`
 * is URL-unescaped and is a path relative to the upload's root; `application/x-directory` parts
 * are directories, `application/symlink` parts are symlinks, anything else is a file.
 */
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { markDisposable } from '../node/disposable.js'
import { MAX_FIELD_BYTES } from './constants.js'
import { KuboApiError, ResponseClosedError } from './errors.js'

export type EntryKind = 'file' | 'directory' | 'symlink'

export interface Mtime {
  secs: bigint
  nsecs?: number
}

export interface MultipartEntry {
  /** Relative path with `/` separators, without `.` or empty segments; `''` for an unnamed part. */
  path: string
  kind: EntryKind
  /** The part's bytes (empty for directories). Read it to its end before asking for the next entry. */
  content: AsyncIterable<Uint8Array>
  /** Target of a symlink. */
  target?: string
  /** Mode and mtime a client attached to the part (`file?mode=0644&mtime=...`). */
  mode?: number
  mtime?: Mtime
}

type Item =
  | { type: 'file'; field: string; filename: string | undefined; mimeType: string; stream: Readable }
  | { type: 'field'; field: string; value: string; mimeType: string; truncated: boolean }

const DIRECTORY_TYPES = new Set(['application/x-directory', 'multipart/form-data'])
const SYMLINK_TYPE = 'application/symlink'

/** URL-unescapes a part's filename as Go's `url.QueryUnescape` (keeping it as is when it does not decode). */
function queryUnescape(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/**
 * Turns a part's filename into a clean relative path. Names that climb out of the upload's root
 * (a `..` segment) or contain NUL are refused with a 400.
 */
export function cleanPartName(raw: string | undefined): string {
  if (raw === undefined) return ''
  const name = queryUnescape(raw)
  if (name.includes('\0')) throw KuboApiError.badMultipart(`invalid file name ${JSON.stringify(name)}: NUL byte`)
  const segments = name.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) {
    throw KuboApiError.badMultipart(`invalid file name ${JSON.stringify(name)}: ".." (path traversal) is not allowed`)
  }
  return segments.join('/')
}

function parseFieldParams(field: string): { mode?: number; mtime?: Mtime } {
  const q = field.indexOf('?')
  if (q < 0) return {}
  const params = new URLSearchParams(field.slice(q + 1))
  const out: { mode?: number; mtime?: Mtime } = {}
  const mode = params.get('mode')
  if (mode !== null && /^[0-7]+$/.test(mode)) out.mode = Number.parseInt(mode, 8)
  const secs = params.get('mtime')
  if (secs !== null && /^-?\d+$/.test(secs)) {
    const nsecs = params.get('mtime-nsecs')
    out.mtime = nsecs !== null && /^\d+$/.test(nsecs) ? { secs: BigInt(secs), nsecs: Number(nsecs) } : { secs: BigInt(secs) }
  }
  return out
}

async function* empty(): AsyncGenerator<Uint8Array> {}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.byteLength > 0) yield bytes
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > limit) throw KuboApiError.badMultipart(`multipart part larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** Reads the entries of a multipart body in order. */
export class MultipartReader implements AsyncIterable<MultipartEntry> {
  private readonly queue: Item[] = []
  private done = false
  private error: unknown
  private wake: (() => void) | undefined
  private current: Readable | undefined
  private iterating = false

  private constructor(
    private readonly source: Readable,
    contentType: string,
    signal: AbortSignal | undefined,
    maxBytes: number,
  ) {
    let bb: busboy.Busboy
    try {
      bb = busboy({
        headers: { 'content-type': contentType },
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fieldSize: MAX_FIELD_BYTES, headerPairs: 2000 },
      })
    } catch (err) {
      const message =
        err instanceof Error && /boundary/i.test(err.message) ? 'no multipart boundary param in Content-Type' : "request Content-Type isn't multipart/form-data"
      throw KuboApiError.badRequest(message)
    }
    bb.on('file', (field, stream, info) => {
      this.push({ type: 'file', field, filename: info.filename, mimeType: info.mimeType, stream })
    })
    bb.on('field', (field, value, info) => {
      this.push({ type: 'field', field, value, mimeType: info.mimeType, truncated: info.valueTruncated })
    })
    bb.on('close', () => this.finish(undefined))
    bb.on('error', (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err)
      this.finish(KuboApiError.badMultipart(`malformed multipart body: ${message}`, err))
    })
    bb.on('partsLimit', () => this.finish(KuboApiError.badMultipart('too many multipart parts')))
    source.on('error', (err) => this.finish(err))
    // a client that goes away mid-upload must not leave a consumer waiting for bytes forever
    signal?.addEventListener('abort', () => this.finish(signal.reason ?? new ResponseClosedError()), { once: true })
    this.feed(bb, maxBytes)
  }

  /**
   * Creates a reader; throws a plain-text 400 when the content type has no boundary. A body larger
   * than `maxBytes` fails it with a 413, and no byte past the limit reaches the parser.
   */
  static create(source: Readable, contentType: string, signal?: AbortSignal, maxBytes = Number.POSITIVE_INFINITY): MultipartReader {
    return new MultipartReader(source, contentType, signal, maxBytes)
  }

  /**
   * Writes the body into busboy as `pipe` would (pausing while busboy is full), counting it on the
   * way. The count was a Transform between the two: one more stream stage, with its own buffering
   * and callbacks, for every socket piece of every upload.
   */
  private feed(bb: busboy.Busboy, maxBytes: number): void {
    const source = this.source
    let total = 0
    const onData = (chunk: Buffer): void => {
      total += chunk.length
      if (total > maxBytes) {
        stop()
        this.finish(KuboApiError.bodyTooLarge(maxBytes))
        return
      }
      // the parser's own memory for this socket read, seen by nothing but busboy, which slices it in order
      markDisposable(chunk)
      if (!bb.write(chunk)) source.pause()
    }
    const onDrain = (): void => {
      source.resume()
    }
    const onEnd = (): void => {
      stop()
      bb.end()
    }
    // as unpipe: the source is paused until someone else reads it (the server's drain, discard())
    const stop = (): void => {
      source.pause()
      source.off('data', onData)
      source.off('end', onEnd)
      bb.off('drain', onDrain)
      bb.off('error', stop)
      bb.off('close', stop)
    }
    source.on('data', onData)
    source.on('end', onEnd)
    bb.on('drain', onDrain)
    // a parser that failed takes no more (the caller lets the rest of the body go)
    bb.on('error', stop)
    bb.on('close', stop)
  }

  private push(item: Item): void {
    this.queue.push(item)
    this.notify()
  }

  private finish(err: unknown): void {
    if (this.done) return
    this.done = true
    if (err !== undefined) {
      this.error = err
      this.current?.destroy(err instanceof Error ? err : KuboApiError.badMultipart(String(err)))
    }
    this.notify()
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private async nextItem(): Promise<Item | undefined> {
    for (;;) {
      const item = this.queue.shift()
      if (item !== undefined) return item
      if (this.done) {
        if (this.error !== undefined) throw this.error
        return undefined
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MultipartEntry> {
    if (this.iterating) throw KuboApiError.command('multipart body can be read once')
    this.iterating = true
    for (;;) {
      // a part the caller did not read must still be consumed for busboy to go on
      if (this.current !== undefined && !this.current.readableEnded) this.current.resume()
      this.current = undefined
      const item = await this.nextItem()
      if (item === undefined) return
      yield await this.toEntry(item)
    }
  }

  private async toEntry(item: Item): Promise<MultipartEntry> {
    const params = parseFieldParams(item.field ?? '')
    if (item.type === 'field') {
      // go-ipfs-cmds treats a part without a filename as a file named ''
      if (item.truncated) throw KuboApiError.badMultipart(`multipart part larger than ${MAX_FIELD_BYTES} bytes`)
      if (DIRECTORY_TYPES.has(item.mimeType)) return { path: '', kind: 'directory', content: empty(), ...params }
      return { path: '', kind: 'file', content: once(Buffer.from(item.value, 'utf8')), ...params }
    }
    this.current = item.stream
    const path = cleanPartName(item.filename)
    if (DIRECTORY_TYPES.has(item.mimeType)) {
      item.stream.resume()
      return { path, kind: 'directory', content: empty(), ...params }
    }
    if (item.mimeType === SYMLINK_TYPE) {
      const target = (await readAll(item.stream, MAX_FIELD_BYTES)).toString('utf8')
      return { path, kind: 'symlink', content: empty(), target, ...params }
    }
    return { path, kind: 'file', content: this.fileContent(item.stream), ...params }
  }

  private async *fileContent(stream: Readable): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk
    } catch (err) {
      // busboy fails the part's stream first and reports the reason on itself right after
      await new Promise((resolve) => setImmediate(resolve))
      if (this.error !== undefined) throw this.error
      throw KuboApiError.badMultipart(`malformed multipart body: ${err instanceof Error ? err.message : String(err)}`, err)
    }
    if (this.error !== undefined) throw this.error
  }

  /** Whether the whole body was parsed. */
  get finished(): boolean {
    return this.done
  }

  /** Discards whatever is left of the body (after an error, so the client can read the answer). */
  discard(): void {
    this.current?.resume()
    this.source.resume()
  }
}
