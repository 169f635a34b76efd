/**
 * The sManager's side of the node's IPFS, over the SDK's Kubo client: `pin/add?progress=true`,
 * whose `{Progress}` lines (blocks fetched so far) drive an idle timeout — a pull fails when no new
 * block arrived for `idleTimeoutMs`, however long the whole fetch takes — and `pin/rm`.
 */
import { createKuboClient, KuboError, type KuboClient } from '@crust-ts/sdk'
import { SmanagerError, SmanagerErrorCode } from '../errors.js'

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

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** Kubo's words for a failure, or the transport error's. */
function detail(err: unknown): string {
  if (err instanceof KuboError) return err.detail
  const cause = (err as Error).cause
  return cause instanceof Error ? cause.message : (err as Error).message
}

/** {@link PullClient} over a Kubo RPC API at `baseUrl` (e.g. `http://127.0.0.1:5001`). */
export class KuboPullClient implements PullClient {
  private readonly kubo: KuboClient

  constructor(baseUrl: string) {
    this.kubo = createKuboClient({ url: baseUrl })
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
      await this.kubo.pin.add(cid, {
        signal: controller.signal,
        progress: (n) => {
          blocks = n
          arm()
          options.onProgress?.(blocks)
        },
      })
      return { blocks }
    } catch (err) {
      if (idle) {
        throw new SmanagerError(SmanagerErrorCode.PULL_IDLE_TIMEOUT, `no new block for ${options.idleTimeoutMs} ms`, { cid, blocks }, { cause: err })
      }
      if (isAborted(outer)) throw new SmanagerError(SmanagerErrorCode.ABORTED, 'pull aborted', { cid, blocks }, { cause: err })
      const status = err instanceof KuboError && err.status !== undefined && err.status !== 200 ? { status: err.status } : {}
      throw new SmanagerError(SmanagerErrorCode.PULL_FAILED, `pin/add failed: ${detail(err)}`, { cid, blocks, ...status }, { cause: err })
    } finally {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
      // ends the request if we stopped reading early
      controller.abort()
    }
  }

  async unpin(cid: string, options: { signal?: AbortSignal } = {}): Promise<'removed' | 'notPinned'> {
    try {
      return await this.kubo.pin.rm(cid, options)
    } catch (err) {
      const status = err instanceof KuboError && err.status !== undefined ? { status: err.status } : {}
      throw new SmanagerError(SmanagerErrorCode.UNPIN_FAILED, `pin/rm failed: ${detail(err)}`, { cid, ...status }, { cause: err })
    }
  }
}
