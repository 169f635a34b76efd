import { CrustError, DiskErrorCode } from '@crust-ts/base'
import { ERR_CLIENT, ERR_NORMAL, FORBIDDEN_TEXT, METHOD_NOT_ALLOWED_TEXT, NOT_FOUND_TEXT } from './constants.js'

/** Stable codes of {@link KuboApiError}. */
export type KuboApiErrorCode =
  /** A command failed (Kubo answers 500 with `Code: 0`). */
  | 'IPFS_API_ERROR_COMMAND'
  /** A command refused its input (Kubo answers 400 with `Code: 1`). */
  | 'IPFS_API_ERROR_BAD_ARGUMENT'
  /** The request could not be parsed into a command call (400, plain text, as go-ipfs-cmds). */
  | 'IPFS_API_ERROR_BAD_REQUEST'
  /** No such command (404, plain text). */
  | 'IPFS_API_ERROR_NOT_FOUND'
  /** The HTTP method is not POST (405, plain text). */
  | 'IPFS_API_ERROR_METHOD_NOT_ALLOWED'
  /** A browser request from an origin that is not allowed (403, plain text). */
  | 'IPFS_API_ERROR_FORBIDDEN'
  /** The request body is larger than `maxBodyBytes` (413). */
  | 'IPFS_API_ERROR_BODY_TOO_LARGE'
  /** A block (or CAR section) over the hard block limit, even with `allow-big-block` (413). */
  | 'IPFS_API_ERROR_BLOCK_TOO_LARGE'
  /** The multipart body is malformed, or names a path outside its root (400). */
  | 'IPFS_API_ERROR_BAD_MULTIPART'
  /** A block could not be fetched within the node's fetch timeout. */
  | 'IPFS_API_ERROR_TIMEOUT'
  /** The node's disk is full: the write was refused, nothing half-written (507 Insufficient Storage). */
  | 'IPFS_API_ERROR_DISK_FULL'

/** What go-ipfs-cmds puts on the wire for an error: `{ Message, Code, Type: "error" }`. */
export interface KuboErrorBody {
  Message: string
  Code: number
  Type: 'error'
}

interface KuboApiErrorInit {
  kuboCode?: number
  status?: number
  plain?: boolean
  meta?: Record<string, unknown>
  cause?: unknown
}

/**
 * An error answered to an API client. Thrown by command handlers (and by request parsing) and
 * turned into Kubo's wire form: `{"Message","Code","Type":"error"}` with status 500 (command
 * error) or 400 (client error), or a plain-text body where go-ipfs-cmds answers in plain text
 * (unknown command, bad option value, missing argument, wrong method).
 */
export class KuboApiError extends CrustError {
  /** go-ipfs-cmds `ErrorType`: 0 normal, 1 client, ... */
  readonly kuboCode: number
  /** HTTP status used when the error ends the request before any output was sent. */
  readonly status: number
  /** Answered as `text/plain` (request parsing errors) instead of the JSON error object. */
  readonly plain: boolean

  constructor(code: KuboApiErrorCode, message: string, init: KuboApiErrorInit = {}) {
    super(code, message, init.meta, init.cause === undefined ? undefined : { cause: init.cause })
    this.kuboCode = init.kuboCode ?? ERR_NORMAL
    this.status = init.status ?? (this.kuboCode === ERR_CLIENT ? 400 : 500)
    this.plain = init.plain ?? false
  }

  /** The JSON error object of the Kubo RPC API. */
  toKubo(): KuboErrorBody {
    return { Message: this.message, Code: this.kuboCode, Type: 'error' }
  }

  /** A failed command: 500, `Code: 0`. */
  static command(message: string, cause?: unknown): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_COMMAND', message, { cause })
  }

  /** A command that refuses its input: 400, `Code: 1` (Kubo's `cmds.ErrClient`). */
  static client(message: string, cause?: unknown): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_BAD_ARGUMENT', message, { kuboCode: ERR_CLIENT, cause })
  }

  /** A request go-ipfs-cmds cannot turn into a command call: 400, plain text. */
  static badRequest(message: string): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_BAD_REQUEST', message, { kuboCode: ERR_CLIENT, plain: true })
  }

  /** Unknown command or path outside `/api/v0`: 404, plain text. */
  static notFound(): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_NOT_FOUND', NOT_FOUND_TEXT, { kuboCode: ERR_CLIENT, status: 404, plain: true })
  }

  /** Any method but POST (and OPTIONS): 405, plain text. */
  static methodNotAllowed(): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_METHOD_NOT_ALLOWED', METHOD_NOT_ALLOWED_TEXT, {
      kuboCode: ERR_CLIENT,
      status: 405,
      plain: true,
    })
  }

  /** Browser request from an origin or referer that is not allowed: 403, plain text. */
  static forbidden(): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_FORBIDDEN', FORBIDDEN_TEXT, { kuboCode: 4, status: 403, plain: true })
  }

  /** Body larger than the server's `maxBodyBytes`: 413. */
  static bodyTooLarge(limit: number): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`, {
      kuboCode: ERR_CLIENT,
      status: 413,
      meta: { limit },
    })
  }

  /** A block over the node's hard block limit, refused before it is buffered: 413, `Code: 1`. */
  static blockTooLarge(limit: number, declared?: number): KuboApiError {
    const size = declared === undefined ? 'block' : `block of ${declared} bytes`
    return new KuboApiError(
      'IPFS_API_ERROR_BLOCK_TOO_LARGE',
      `${size} is over the node's hard block limit of ${limit} bytes, even with --allow-big-block: big blocks can't be exchanged with other peers; use UnixFS (ipfs add) to chunk bigger files`,
      { kuboCode: ERR_CLIENT, status: 413, meta: { limit, ...(declared === undefined ? {} : { declared }) } },
    )
  }

  /** Malformed multipart body or a file name that leaves its root: 400. */
  static badMultipart(message: string, cause?: unknown): KuboApiError {
    return new KuboApiError('IPFS_API_ERROR_BAD_MULTIPART', message, { kuboCode: ERR_CLIENT, cause })
  }
}

/** Stable codes of {@link KuboApiServerError}. */
export type KuboApiServerErrorCode = 'IPFS_API_ERROR_INVALID_OPTIONS' | 'IPFS_API_ERROR_LISTEN' | 'IPFS_API_ERROR_ALREADY_STARTED'

/** Thrown by `createKuboApiServer` (invalid options) and `start()` (port in use, started twice). */
export class KuboApiServerError extends CrustError {
  constructor(code: KuboApiServerErrorCode, message: string, meta?: Record<string, unknown>, cause?: unknown) {
    super(code, message, meta, cause === undefined ? undefined : { cause })
  }
}

/** Thrown by the response emitter when the client went away; the command stops quietly. */
export class ResponseClosedError extends CrustError {
  constructor() {
    super('IPFS_API_ERROR_CLIENT_GONE', 'client closed the connection')
  }
}

/**
 * Wraps anything thrown by a command into a {@link KuboApiError}: 500 (Kubo's answer to a failed
 * command) unless it already is one, or 507 when a full disk refused the write somewhere in its
 * cause chain, so a client can tell "retry once the node has room" from a broken request.
 */
export function toKuboApiError(err: unknown): KuboApiError {
  if (err instanceof KuboApiError) return err
  const message = err instanceof Error ? err.message : String(err)
  const full = fullDiskCause(err)
  // The disk's own words say what to do (free space); the command's would only say it failed.
  if (full !== undefined) return new KuboApiError('IPFS_API_ERROR_DISK_FULL', full.message, { status: 507, cause: err })
  return KuboApiError.command(message, err)
}

function fullDiskCause(err: unknown): Error | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === DiskErrorCode.FULL) return e
  }
  return undefined
}
