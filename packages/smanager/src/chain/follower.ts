/**
 * Follows the chain for the sManager: a paged scan of `market.filesV2` on start, then each new
 * block's `market` events in order (catching up on skipped heads; too far behind, it rescans).
 * What it learns goes to its handlers; it remembers the last block it fully processed, and the hash
 * of each it handled: after a reorg it steps back to the newest one still on the best chain and
 * handles the new chain's blocks, whose events may differ (an order in the winning fork's block and
 * not in the one it replaced was otherwise never seen: chaos seed 1085998466).
 */
import type { Logger } from '@crust-ts/base'
import type { TaskSource } from '../store/index.js'
import type { ChainClient, OnChainFile } from './interface.js'

/** Why the follower reports a file. */
export type FileNews = 'scan' | 'ordered' | 'renewed' | 'calculated'

export interface FollowerHandlers {
  /** An order exists (new, renewed, rebased, or found by the scan). */
  onFile(file: OnChainFile, source: TaskSource, news: FileNews, block: number): Promise<void>
  /** An order is gone (closed by settlement, illegal size, or missing from a scan). */
  onClosed(cid: string, reason: string, block: number): Promise<void>
  /** A scan finished: every CID with an order at `block`. */
  onScanned(cids: ReadonlySet<string>, block: number): Promise<void>
}

export interface ChainFollowerInit {
  chain: ChainClient
  handlers: FollowerHandlers
  scanPageSize: number
  maxCatchUpBlocks: number
  log: Logger
}

/** Blocks whose hashes are remembered, for stepping back after a reorg (deeper ones rescan). */
const REMEMBERED_BLOCKS = 256

export class ChainFollower {
  private last = -1
  /** Hashes of the handled blocks (and the scan's), by number: the newest REMEMBERED_BLOCKS. */
  private readonly hashes = new Map<number, string>()

  constructor(private readonly init: ChainFollowerInit) {}

  /** The last block whose events were handled (or the scan's block). */
  get lastBlock(): number {
    return this.last
  }

  /** Scans every order at the best block; later blocks are then read event by event. */
  async scan(): Promise<number> {
    const { chain, handlers, scanPageSize, log } = this.init
    const head = await chain.head()
    const seen = new Set<string>()
    for await (const page of chain.scanFiles(scanPageSize, head.hash)) {
      for (const file of page) {
        seen.add(file.cid)
        await handlers.onFile(file, 'dbScan', 'scan', head.number)
      }
    }
    await handlers.onScanned(seen, head.number)
    this.last = head.number
    this.hashes.clear()
    this.hashes.set(head.number, head.hash)
    log.info({ block: head.number, files: seen.size }, 'scanned market.filesV2')
    return head.number
  }

  /** Handles the events of every block after the last one up to `head`. */
  async advance(head: number): Promise<void> {
    if (this.last < 0 || head - this.last > this.init.maxCatchUpBlocks || !(await this.rewind())) {
      await this.scan()
      return
    }
    while (this.last < head) {
      try {
        await this.block(this.last + 1)
      } catch (err) {
        if (!isStateDiscarded(err)) throw err
        // The chain node pruned that block's state (it keeps fewer blocks than we are behind).
        this.init.log.warn({ block: this.last + 1 }, 'block state already pruned by the chain node: rescanning market.filesV2')
        await this.scan()
        return
      }
      this.last++
    }
  }

  /**
   * Steps back over handled blocks the best chain no longer has. False when the reorg reaches
   * below what is remembered (or the scan's block): the caller rescans.
   */
  private async rewind(): Promise<boolean> {
    for (;;) {
      const handled = this.hashes.get(this.last)
      if (handled === undefined) return false
      const now = await this.init.chain.blockHash(this.last)
      if (now === handled) return true
      this.init.log.info({ block: this.last, was: handled, now }, 'reorg: handling the best chain from here again')
      this.hashes.delete(this.last)
      this.last--
    }
  }

  private async block(number: number): Promise<void> {
    const { chain, handlers } = this.init
    const { hash, events } = await chain.blockEvents(number)
    this.hashes.set(number, hash)
    this.hashes.delete(number - REMEMBERED_BLOCKS)
    const done = new Set<string>()
    for (const event of events) {
      if (event.kind === 'closed') {
        done.add(event.cid)
        await handlers.onClosed(event.cid, event.reason === 'illegalFileClosed' ? 'illegalFileClosed' : 'orderClosed', number)
      }
    }
    for (const event of events) {
      if (event.kind === 'closed' || done.has(event.cid)) continue
      done.add(event.cid)
      let file = await chain.file(event.cid, hash)
      if (file === undefined && (event.kind === 'ordered' || event.kind === 'renewed')) {
        // The order was placed (or renewed) in this very block, so its file must be there. Read
        // again at the head rather than drop the order: a node that misses it never stores the file.
        file = await chain.file(event.cid)
        this.init.log.warn(
          { cid: event.cid, block: number, kind: event.kind, atHead: file !== undefined },
          'an order of this block read as missing at the block: read again at the head',
        )
      }
      if (file === undefined) {
        // CalculateSuccess on a file that is gone: the settlement closed it.
        await handlers.onClosed(event.cid, 'orderClosed', number)
        continue
      }
      await handlers.onFile(file, 'chainEvent', event.kind, number)
    }
  }
}

/**
 * A pruned block state, as a Substrate node answers it over JSON-RPC (4003 "… State already
 * discarded for <hash>"; @polkadot/api puts the code and message in the error's message).
 */
export function isStateDiscarded(err: unknown): boolean {
  return err instanceof Error && /State already discarded/.test(err.message)
}
