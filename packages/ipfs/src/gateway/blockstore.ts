/**
 * The per-request view of Helia's blockstore: local blocks are read directly, missing ones are
 * fetched through Helia's block brokers (bitswap from connected peers) with the node's fetch
 * timeout per block; a timeout becomes a 504, a failed retrieval a 502, and a missing block under
 * `only-if-cached` a 412. Can record which blocks a path walk read (for CAR responses).
 */
import { setMaxListeners } from 'node:events'
import type { Blocks } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import { collectBytes } from '../store/index.js'
import { GatewayError } from './errors.js'

export interface RequestBlockstoreInit {
  blocks: Blocks
  /** Per-block network fetch timeout, in milliseconds. */
  timeoutMs: number
  /** Aborted when the client goes away or the gateway stops. */
  signal: AbortSignal
  /** Never fetch from the network (`Cache-Control: only-if-cached`). */
  offline: boolean
}

export class RequestBlockstore {
  private readonly blocks: Blocks
  private readonly timeoutMs: number
  private readonly signal: AbortSignal
  private readonly offline: boolean
  /** When set, every CID read is appended (in read order). */
  recording: CID[] | undefined

  constructor(init: RequestBlockstoreInit) {
    this.blocks = init.blocks
    this.timeoutMs = init.timeoutMs
    this.signal = init.signal
    this.offline = init.offline
    setMaxListeners(Number.POSITIVE_INFINITY, init.signal)
  }

  /** Blockstore `get` as the UnixFS exporter calls it: the block's bytes, in one or more chunks. */
  async *get(cid: CID, _options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    yield await this.getBlock(cid)
  }

  /** The whole block. Throws {@link GatewayError} (504, 502, 412) when it cannot be had. */
  async getBlock(cid: CID): Promise<Uint8Array> {
    this.signal.throwIfAborted()
    this.recording?.push(cid)
    const controller = new AbortController()
    const onAbort = (): void => controller.abort(this.signal.reason)
    this.signal.addEventListener('abort', onAbort, { once: true })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.timeoutMs)
    try {
      return await collectBytes(this.blocks.get(cid, { signal: controller.signal, offline: this.offline }))
    } catch (err) {
      if (this.signal.aborted) throw err
      if (timedOut) {
        throw new GatewayError(
          'GATEWAY_ERROR_TIMEOUT',
          `block ${cid} was not retrieved within ${this.timeoutMs} ms`,
          { cid: cid.toString(), timeoutMs: this.timeoutMs },
          { cause: err },
        )
      }
      const name = (err as Error)?.name
      if (name === 'BlockNotFoundWhileOfflineError') {
        throw new GatewayError('GATEWAY_ERROR_NOT_CACHED', `block ${cid} is not cached by this gateway`, {
          cid: cid.toString(),
        })
      }
      if (name === 'LoadBlockFailedError' || name === 'InvalidConfigurationError') {
        throw new GatewayError(
          'GATEWAY_ERROR_RETRIEVAL_FAILED',
          `block ${cid} could not be retrieved from the network`,
          { cid: cid.toString() },
          { cause: err },
        )
      }
      throw err
    } finally {
      clearTimeout(timer)
      this.signal.removeEventListener('abort', onAbort)
    }
  }
}
