/**
 * The sManager's side of the node's IPFS (Kubo RPC): `pin/add?progress=true`, whose `{Progress}`
 * lines (blocks fetched so far) drive an idle timeout — a pull fails when no new block arrived for
 * `idleTimeoutMs`, however long the whole fetch takes — and `pin/rm`.
 */
import { KUBO_NOT_PINNED } from '../constants.js'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'
import { ndjson } from './ndjson.js'

export interface PullOptions {
  /** No new block for this long: the pull is aborted with `SMANAGER_ERROR_PULL_IDLE_TIMEOUT`. */
  idleTimeoutMs: number
  /** Called whenever the block count grows. */
  onProgress?: (blocks: number) => void
  signal?: AbortSignal
}

export interface PullResult {
  /** Blocks IPFS walked (fetched or already local). */
  blocks: number
}

/** What the sManager needs of IPFS (a seam for tests). */
export interface PullClient {
  pull(cid: string, options: PullOptions): Promise<PullResult>
  unpin(cid: string, options?: { signal?: AbortSignal }): Promise<'removed' | 'notPinned'>
}

interface KuboError {
  Message?: string
  Code?: number
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

async function kuboMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '')
  try {
    return (JSON.parse(text) as KuboError).Message ?? text
  } catch {
    return text.trim()
  }
}

/** {@link PullClient} over a Kubo RPC API at `baseUrl` (e.g. `http://127.0.0.1:5001`). */
export class KuboPullClient implements PullClient {
  private readonly base: string

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, '')
  }

  async pull(cid: string, options: PullOptions): Promise<PullResult> {
    const controller = new AbortController()
    const outer = options.signal
    const onOuterAbort = (): void => controller.abort(outer?.reason)
    if (outer?.aborted === true) throw new SmanagerError(SmanagerErrorCode.ABORTED, 'pull aborted', { cid })
    outer?.addEventListener('abort', onOuterAbort, { once: true })
    let blocks = 0
    let idle = false
    let timer: NodeJS.Timeout | undefined
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        idle = true
        controller.abort()
      }, options.idleTimeoutMs)
    }
    arm()
    try {
      const url = `${this.base}/api/v0/pin/add?arg=${encodeURIComponent(cid)}&progress=true`
      const res = await fetch(url, { method: 'POST', signal: controller.signal })
      if (!res.ok) {
        throw new SmanagerError(SmanagerErrorCode.PULL_FAILED, `pin/add failed: ${await kuboMessage(res)}`, { cid, status: res.status })
      }
      if (res.body === null) throw new SmanagerError(SmanagerErrorCode.PULL_FAILED, 'pin/add answered without a body', { cid })
      for await (const value of ndjson(res.body)) {
        const line = value as { Progress?: number; Pins?: string[] }
        if (typeof line.Progress === 'number' && line.Progress > blocks) {
          blocks = line.Progress
          arm()
          options.onProgress?.(blocks)
        }
        if (Array.isArray(line.Pins)) return { blocks }
      }
      // Kubo reports an error after output in a trailer, which fetch does not expose.
      throw new SmanagerError(SmanagerErrorCode.PULL_FAILED, 'pin/add ended without pinning', { cid, blocks })
    } catch (err) {
      if (idle) {
        throw new SmanagerError(SmanagerErrorCode.PULL_IDLE_TIMEOUT, `no new block for ${options.idleTimeoutMs} ms`, { cid, blocks }, { cause: err })
      }
      if (isAborted(outer)) throw new SmanagerError(SmanagerErrorCode.ABORTED, 'pull aborted', { cid, blocks }, { cause: err })
      if (err instanceof SmanagerError) throw err
      throw new SmanagerError(SmanagerErrorCode.PULL_FAILED, `pin/add failed: ${(err as Error).message}`, { cid, blocks }, { cause: err })
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
      // ends the request if we stopped reading early
      controller.abort()
    }
  }

  async unpin(cid: string, options: { signal?: AbortSignal } = {}): Promise<'removed' | 'notPinned'> {
    let res: Response
    try {
      res = await fetch(`${this.base}/api/v0/pin/rm?arg=${encodeURIComponent(cid)}`, {
        method: 'POST',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
    } catch (err) {
      throw new SmanagerError(SmanagerErrorCode.UNPIN_FAILED, `pin/rm failed: ${(err as Error).message}`, { cid }, { cause: err })
    }
    if (res.ok) {
      await res.body?.cancel()
      return 'removed'
    }
    const message = await kuboMessage(res)
    // Kubo's own wording is its protocol: that is how a client tells "not pinned" apart.
    if (message.includes(KUBO_NOT_PINNED)) return 'notPinned'
    throw new SmanagerError(SmanagerErrorCode.UNPIN_FAILED, `pin/rm failed: ${message}`, { cid, status: res.status })
  }
}
