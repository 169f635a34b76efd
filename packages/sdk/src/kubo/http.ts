/** Requests to a Kubo RPC API: URLs, Kubo's error bodies, and failures as {@link KuboError}. */
import { KuboError, SdkError } from '../errors.js'

/** `<base>/api/v0/<command>` with the query arguments (`arg` may repeat). */
export function apiUrl(base: string, command: string, params: Array<[string, string]> = []): URL {
  const url = new URL(`${base.replace(/\/+$/, '')}/api/v0/${command}`)
  for (const [k, v] of params) url.searchParams.append(k, v)
  return url
}

/** Kubo's error bodies are `{"Message": "...", "Code": 0, "Type": "error"}`. */
function jsonMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { Message?: string }
    if (typeof parsed.Message === 'string') return parsed.Message
  } catch {
    // not JSON
  }
  return undefined
}

/** The error of an HTTP answer other than 200; `detail` is Kubo's `Message`, or the body as it came. */
export function answerError(base: string, command: string, status: number, body: string): KuboError {
  const message = jsonMessage(body)
  const detail = message ?? body.trim()
  const shown = message ?? `HTTP ${status}${body === '' ? '' : `: ${body.slice(0, 200)}`}`
  return new KuboError('SDK_ERROR_IPFS', `IPFS API ${base}: ${shown}`, { url: base, command, detail, status })
}

/** An error reported inside a 200 answer (an error line, a trailer, a stream cut short). */
export function streamError(base: string, command: string, detail: string): KuboError {
  return new KuboError('SDK_ERROR_IPFS', `IPFS API ${base}: ${detail}`, { url: base, command, detail, status: 200 })
}

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|fetch failed/

/** A request that got no answer: aborted (`SDK_ERROR_ABORTED`), or a transport failure. Kubo's own errors pass through. */
export function transportError(base: string, command: string, err: unknown, signal?: AbortSignal): SdkError {
  if (err instanceof SdkError) return err
  const message = err instanceof Error ? err.message : String(err)
  if (signal?.aborted === true) return new SdkError('SDK_ERROR_ABORTED', `${command} aborted`, { url: base, command }, { cause: err })
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : ''
  const code = UNREACHABLE.test(`${message} ${cause}`) ? 'SDK_ERROR_IPFS_UNREACHABLE' : 'SDK_ERROR_IPFS'
  return new KuboError(code, `IPFS API ${base}: ${message}`, { url: base, command, detail: message }, { cause: err })
}
