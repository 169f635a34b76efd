/**
 * Block access for commands: every fetch that may go to the network is bounded by the node's
 * `fetchTimeoutMs` (Kubo would wait for as long as the request lives), and runs under the
 * request's signal.
 */
import type { Blocks } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import { collectBytes } from '../store/index.js'
import { KuboApiError } from './errors.js'

interface AbortOptions {
  signal?: AbortSignal
}

/** Thrown when a block did not arrive within the fetch timeout. */
export function fetchTimeoutError(cid: CID, timeoutMs: number, cause?: unknown): KuboApiError {
  return new KuboApiError(
    'IPFS_API_ERROR_TIMEOUT',
    `block ${cid} is not in the local store and could not be fetched within ${timeoutMs} ms: context deadline exceeded`,
    { meta: { cid: cid.toString(), timeoutMs }, cause },
  )
}

/** The node's blockstore as commands use it (a readable store for the UnixFS exporter, too). */
export class CommandBlocks {
  constructor(
    private readonly blockstore: Blocks,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** Streams a block, fetching it from peers (within the timeout) when it is not local. */
  async *get(cid: CID, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signals = [this.signal, timeout]
    if (options.signal !== undefined) signals.push(options.signal)
    try {
      yield* this.blockstore.get(cid, { signal: AbortSignal.any(signals) })
    } catch (err) {
      if (timeout.aborted && !this.signal.aborted) throw fetchTimeoutError(cid, this.timeoutMs, err)
      if (err instanceof Error && (err.name === 'LoadBlockFailedError' || err.name === 'BlockNotFoundWhileOfflineError')) {
        throw KuboApiError.command(`ipld: could not find ${cid}: not in the local store and no peer provided it`, err)
      }
      throw err
    }
  }

  /** Reads a whole block (see {@link get}). */
  async bytes(cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    return collectBytes(this.get(cid, options))
  }

  /**
   * The whole block (the file reader's view of the store): a local block is read at once, with no
   * timer or signal per block; only a missing one goes to the network (see {@link get}).
   */
  async getBlock(cid: CID): Promise<Uint8Array> {
    try {
      return await collectBytes(this.blockstore.get(cid, { signal: this.signal, offline: true }))
    } catch (err) {
      if ((err as Error)?.name !== 'BlockNotFoundWhileOfflineError') throw err
    }
    return this.bytes(cid)
  }

  /** Whether the block is in the local store. */
  async has(cid: CID): Promise<boolean> {
    return this.blockstore.has(cid, { signal: this.signal })
  }

  /** Reads a block from the local store only (`undefined` when absent). */
  async local(cid: CID): Promise<Uint8Array | undefined> {
    if (!(await this.blockstore.has(cid, { signal: this.signal }))) return undefined
    return collectBytes(this.blockstore.get(cid, { signal: this.signal, offline: true }))
  }
}
