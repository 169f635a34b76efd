import { INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG } from './constants.js'
import type { JsonRpcErrorObject, JsonRpcId } from './interface.js'

/** One element of a request body, classified. */
export type RequestEntry =
  /** A call: has an `id`, so it gets a response. `params` is still raw (absent, array or object). */
  | { kind: 'call'; id: JsonRpcId; method: string; params: unknown }
  /** A notification: no `id`, so it gets no response. */
  | { kind: 'notification'; method: string; params: unknown }
  /** Not a JSON-RPC 2.0 request; answered with -32600 and the request's id when it had a valid one. */
  | { kind: 'invalid'; id: JsonRpcId }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes a UTF-8 JSON text; `undefined` when the bytes are not valid UTF-8 or not valid JSON. */
export function parseJson(data: Uint8Array | string): { value: unknown } | undefined {
  try {
    const text = typeof data === 'string' ? data : utf8.decode(data)
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A valid id: a string, `null`, or a finite number (ids beyond 2^53 lose precision). */
function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
}

/** Classifies one parsed request object (a single body, or one element of a batch). */
export function classifyRequest(value: unknown): RequestEntry {
  if (!isObject(value)) return { kind: 'invalid', id: null }
  const hasId = Object.hasOwn(value, 'id')
  const id = hasId && isId(value['id']) ? value['id'] : null
  const params = value['params']
  const paramsOk = params === undefined || params === null || typeof params === 'object'
  if (value['jsonrpc'] !== '2.0' || typeof value['method'] !== 'string' || !paramsOk) {
    return { kind: 'invalid', id }
  }
  if (!hasId) return { kind: 'notification', method: value['method'], params }
  if (!isId(value['id'])) return { kind: 'invalid', id: null }
  return { kind: 'call', id, method: value['method'], params }
}

/**
 * Positional params of a request: absent or `null` → `[]`, an array → itself; `undefined` for an
 * object (named params), which the server rejects with -32602.
 */
export function positionalParams(params: unknown): unknown[] | undefined {
  if (params === undefined || params === null) return []
  return Array.isArray(params) ? params : undefined
}

/**
 * Serialises a result value. `undefined` becomes `null`. Throws on values JSON cannot carry
 * faithfully: `bigint`, cycles, or a top-level function or symbol.
 */
export function serializeValue(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value)
  if (text === undefined) throw new TypeError(`cannot serialise a ${typeof value} as JSON`)
  return text
}

function serializeId(id: JsonRpcId): string {
  return JSON.stringify(id)
}

/** A success response with an already serialised result. */
export function resultResponse(id: JsonRpcId, resultJson: string): string {
  return '{"jsonrpc":"2.0","result":' + resultJson + ',"id":' + serializeId(id) + '}'
}

/**
 * An error response. If `data` cannot be serialised the error degrades to a plain -32603 rather
 * than throwing.
 */
export function errorResponse(id: JsonRpcId, error: JsonRpcErrorObject): string {
  let errorJson: string
  try {
    errorJson = serializeValue(
      error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data },
    )
  } catch {
    errorJson = JSON.stringify({ code: INTERNAL_ERROR_CODE, message: INTERNAL_ERROR_MSG })
  }
  return '{"jsonrpc":"2.0","error":' + errorJson + ',"id":' + serializeId(id) + '}'
}

/** A subscription notification with an already serialised result. */
export function notificationMessage(method: string, subscription: string, resultJson: string): string {
  return '{"jsonrpc":"2.0","method":' + JSON.stringify(method) + ',"params":{"subscription":' + JSON.stringify(subscription) + ',"result":' + resultJson + '}}'
}

/** The `data` jsonrpsee puts in limit errors. */
export function exceededLimit(limit: number): string {
  return `Exceeded max limit of ${limit}`
}
