/**
 * The response side of one API call, as go-ipfs-cmds' HTTP `ResponseEmitter`: the first output
 * decides the headers (`X-Chunked-Output` for NDJSON values, `X-Stream-Output` for raw bytes,
 * neither for a single value); an error before any output becomes the JSON error object with
 * status 500/400, an error after it becomes the `X-Stream-Error` trailer.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { CHUNKED_OUTPUT_HEADER, CONTENT_LENGTH_HEADER, EXPOSED_HEADERS, STREAM_ERROR_HEADER, STREAM_OUTPUT_HEADER } from './constants.js'
import { type KuboApiError, ResponseClosedError } from './errors.js'
import { goJsonLine } from './json.js'

type Kind = 'channel' | 'single' | 'stream'

export interface StreamOptions {
  /** Content type of the bytes; default `text/plain` (go-ipfs-cmds' choice for JSON-encoded commands). */
  contentType?: string
}

/** Writes a plain-text answer as Go's `http.Error` does. */
export function writePlainError(res: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return
  const body = `${message}\n`
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

export class ResponseEmitter {
  private started = false
  private ended = false
  private readonly headers: OutgoingHttpHeaders = {}

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    /** True once the request body has been read to its end (or there is none). */
    private readonly bodyComplete: () => boolean,
    baseHeaders: OutgoingHttpHeaders,
  ) {
    Object.assign(this.headers, baseHeaders)
  }

  /** Whether headers (and possibly output) went out already. */
  get isStarted(): boolean {
    return this.started
  }

  get isEnded(): boolean {
    return this.ended
  }

  /** `X-Content-Length`: announced size of a streamed body. Must be called before the first output. */
  setLength(length: number | bigint): void {
    this.headers[CONTENT_LENGTH_HEADER] = length.toString()
  }

  /** Emits one NDJSON value (`X-Chunked-Output: 1`), waiting while the client is slow. */
  async emit(value: unknown): Promise<void> {
    this.preamble('channel')
    await this.write(goJsonLine(value))
  }

  /** Emits the command's only value (no chunked/stream header) and ends the response. */
  async emitOnce(value: unknown): Promise<void> {
    this.preamble('single')
    await this.write(goJsonLine(value))
    this.end()
  }

  /** Streams raw bytes (`X-Stream-Output: 1`) and ends the response; a source error becomes the trailer. */
  async emitStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: StreamOptions = {}): Promise<void> {
    this.preamble('stream', options.contentType ?? 'text/plain')
    for await (const chunk of source) {
      if (chunk.byteLength > 0) await this.write(chunk)
    }
    this.end()
  }

  /** Ends the response; a command that emitted nothing answers 200 with an empty NDJSON body, as Kubo. */
  end(): void {
    if (this.ended) return
    this.preamble('channel')
    this.ended = true
    if (!this.res.destroyed) this.res.end()
  }

  /** Reports an error: the JSON error object (or plain text) before output, the trailer after it. */
  fail(err: KuboApiError): void {
    if (this.ended) return
    this.ended = true
    if (this.res.destroyed) return
    if (!this.started) {
      this.started = true
      if (err.plain) {
        writePlainError(this.res, err.status, err.message, this.closeHeader())
        return
      }
      const body = goJsonLine(err.toKubo())
      this.res.writeHead(err.status, {
        ...this.commonHeaders(),
        ...this.closeHeader(),
        'Content-Type': 'application/json',
      })
      this.res.end(body)
      return
    }
    this.res.addTrailers({ [STREAM_ERROR_HEADER]: err.message.replace(/[\r\n]+/g, ' ') })
    this.res.end()
  }

  private commonHeaders(): OutgoingHttpHeaders {
    return {
      ...this.headers,
      'Access-Control-Allow-Headers': EXPOSED_HEADERS,
      'Access-Control-Expose-Headers': EXPOSED_HEADERS,
      Trailer: STREAM_ERROR_HEADER,
    }
  }

  /** go-ipfs-cmds closes the connection when it answers before the request body was read. */
  private closeHeader(): OutgoingHttpHeaders {
    return this.bodyComplete() ? {} : { Connection: 'close' }
  }

  private preamble(kind: Kind, contentType = 'application/json'): void {
    if (this.started) return
    this.started = true
    const headers: OutgoingHttpHeaders = { ...this.commonHeaders(), ...this.closeHeader() }
    if (kind === 'stream') headers[STREAM_OUTPUT_HEADER] = '1'
    else if (kind === 'channel') headers[CHUNKED_OUTPUT_HEADER] = '1'
    headers['Content-Type'] = contentType
    if (!this.res.destroyed) this.res.writeHead(200, headers)
  }

  private async write(data: string | Uint8Array): Promise<void> {
    if (this.res.destroyed || this.ended) throw new ResponseClosedError()
    if (!this.res.write(data)) {
      await waitDrain(this.res)
      if (this.res.destroyed) throw new ResponseClosedError()
    }
  }

  /** The request this emitter answers (for logging). */
  get request(): IncomingMessage {
    return this.req
  }
}

/** Resolves on `drain` or `close`, whichever comes first, leaving no listener behind. */
function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
