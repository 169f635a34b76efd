/**
 * The order node's state machine over one EVM chain: scan for `Order` events to our merchant
 * address, confirm each (re-checking its block is still canonical), then order it on Crust exactly
 * once. Exactly once rests on the Crust nonce: it is recorded (`ordering`) before the transaction
 * is sent; a record found in `ordering` is sent again with the same nonce only while the account's
 * nonce has not passed it, and otherwise looked up on chain, never sent with a new nonce unless
 * that nonce went to another transaction. A permanent order's prepaid renewals travel in the same
 * transaction (`utility.batchAll`), so they are added exactly when the order is placed.
 */
import { PERMANENT_RENEWALS } from '../constants.js'
import type { EventStore } from './store.js'
import { type EventRecord, eventKey, type OrderLog } from './record.js'
import { type CrustSink, type EvmSource, PermanentOrderError } from './seams.js'

export interface ProcessorInit {
  store: EventStore
  source: EvmSource
  sink: CrustSink
  /** Our merchant address: only events naming it are ours. */
  merchant: string
  /** Blocks an event's block needs on top, itself included (1: ordered as soon as seen). */
  confirmations: number
  /** Where the first scan of a chain starts (default: its head then). */
  fromBlock?: number
  /** Most blocks per `eth_getLogs`. */
  maxRange?: number
  /** Orders sent at once (default 32). */
  maxInFlight?: number
  /** Backoff after a transient error: base × 2^(attempts-1), capped. */
  backoffMs?: number
  maxBackoffMs?: number
  now?: () => number
  /** Called after each state change (logs). */
  onChange?: (record: EventRecord) => void
  /** Test hook: runs once the nonce is recorded, before the transaction is sent. */
  beforeSend?: (record: EventRecord) => Promise<void>
}

/** Orders sent at once: under the chain's pool bound of future transactions per sender (64), whatever order they arrive in. */
const DEFAULT_MAX_IN_FLIGHT = 32

/** Runs `fn` over `items` in order, at most `size` at a time: each one done makes room for the next. */
async function inFlight<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker))
}

export class OrderProcessor {
  private readonly merchant: string
  private readonly now: () => number
  /** The next nonce this process hands out (orders recorded but not sent yet are not in the pool's count). */
  private nextNonce = 0

  constructor(private readonly init: ProcessorInit) {
    this.merchant = init.merchant.toLowerCase()
    this.now = init.now ?? Date.now
  }

  /** One round: scan new blocks, then move every record that can move. */
  async tick(): Promise<void> {
    const { source, store } = this.init
    const head = await source.head()
    const cursor = store.cursor(source.chainId) ?? (this.init.fromBlock ?? head) - 1
    const maxRange = this.init.maxRange ?? 2000
    for (let from = cursor + 1; from <= head; from += maxRange) {
      const to = Math.min(head, from + maxRange - 1)
      for (const log of await source.orders(from, to)) await this.saw(log)
    }
    // The unconfirmed window is scanned again next round: a reorg there may bring new events.
    const next = Math.max(cursor, head - this.init.confirmations)
    if (next !== cursor) await store.setCursor(source.chainId, next)
    // Confirmed events get their nonces one by one (each written before any send), then are sent
    // together: a burst of events takes a few Crust blocks, not one block per event.
    const toSend: EventRecord[] = []
    const blocks = new Map<string, Promise<OrderLog[] | undefined>>()
    for (const record of store.all()) {
      if (record.chainId !== source.chainId) continue
      if (record.state === 'seen' && record.nextAttemptAt <= this.now() && head >= record.blockNumber + this.init.confirmations - 1) {
        const prepared = await this.confirm(record, blocks)
        if (prepared !== undefined) toSend.push(prepared)
      } else if (record.state === 'ordering' && record.nextAttemptAt <= this.now()) await this.resume(record)
      else if (record.state === 'ordered' && record.pinned !== true && record.nextAttemptAt <= this.now()) await this.pin(record)
    }
    await inFlight(toSend, this.init.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, (record) => this.dispatch(record))
  }

  private async saw(log: OrderLog): Promise<void> {
    if (log.merchant.toLowerCase() !== this.merchant) return
    const { store, source } = this.init
    const existing = store.get(eventKey(source.chainId, log.txHash, log.logIndex))
    if (existing === undefined) {
      this.changed(await store.create(source.chainId, log))
    } else if ((existing.state === 'seen' || existing.state === 'reorged') && existing.blockHash !== log.blockHash) {
      // The same transaction in a block of the new canonical chain.
      this.changed(await store.update(existing, 'seen', { blockHash: log.blockHash, blockNumber: log.blockNumber }))
    }
  }

  /** Whether the event is still in its (canonical) block; if so, prepares its order. */
  private async confirm(record: EventRecord, blocks: Map<string, Promise<OrderLog[] | undefined>>): Promise<EventRecord | undefined> {
    const at = `${record.blockNumber}:${record.blockHash}`
    let lookup = blocks.get(at)
    if (lookup === undefined) {
      lookup = this.init.source.ordersInBlock(record.blockNumber, record.blockHash)
      blocks.set(at, lookup)
    }
    const logs = await lookup
    const still = logs?.some((l) => l.txHash.toLowerCase() === record.txHash && l.logIndex === record.logIndex)
    if (still !== true) {
      const why = logs === undefined ? `block ${record.blockHash} left the canonical chain` : `the event is no longer in block ${record.blockHash}`
      this.changed(await this.init.store.update(record, 'reorged', {}, `${why} before ${this.init.confirmations} confirmations`))
      return undefined
    }
    return this.prepare(record)
  }

  /** Checks, records the nonce, sends. */
  private async order(record: EventRecord): Promise<void> {
    const prepared = await this.prepare(record)
    if (prepared !== undefined) await this.dispatch(prepared)
  }

  /**
   * Checks the order and records its nonce (state `ordering`), ready to send; undefined when it
   * failed (the record says why). Nonces handed out in this process run on from the last one: the
   * account's pool nonce does not count orders recorded but not sent yet.
   */
  private async prepare(record: EventRecord): Promise<EventRecord | undefined> {
    const { sink, store } = this.init
    try {
      await sink.check(record)
    } catch (err) {
      await this.failed(record, err)
      return undefined
    }
    try {
      const [next, sentAfterBlock] = await Promise.all([sink.nextNonce(), sink.bestBlock()])
      const nonce = Math.max(next, this.nextNonce)
      this.nextNonce = nonce + 1
      const patch: Partial<EventRecord> = { nonce, sentAfterBlock }
      // The prepaid amount is fixed once, with the first nonce: every send of this event adds the same.
      if (record.isPermanent && record.prepaid === undefined) {
        const { price, atBlock } = await sink.renewalPrice(record)
        patch.prepaid = (price * PERMANENT_RENEWALS).toString()
        patch.prepaidPricedAt = atBlock
      }
      const current = await store.update(record, 'ordering', patch)
      this.changed(current)
      return current
    } catch (err) {
      await this.failed(record, err)
      return undefined
    }
  }

  /** Sends a prepared order (state `ordering`, nonce recorded); an error is recorded for a retry. */
  private async dispatch(record: EventRecord): Promise<void> {
    try {
      await this.send(record, record.nonce!)
    } catch (err) {
      await this.failed(record, err)
    }
  }

  /** A record left in `ordering` (a crash, a transient error): send again or find the transaction. */
  private async resume(record: EventRecord): Promise<void> {
    const { sink, store } = this.init
    const nonce = record.nonce
    if (nonce === undefined) return this.order(record)
    try {
      if ((await sink.chainNonce()) <= nonce) {
        await this.send(record, nonce)
        return
      }
      const found = await sink.findPlaced(record, nonce, record.sentAfterBlock ?? 0)
      if (found.kind === 'ours') {
        await this.ordered(record, found)
        return
      }
      if (found.kind === 'other' || found.kind === 'failed') {
        // No order came of the nonce (another transaction took it, or ours failed): order again.
        const why = found.kind === 'other' ? `nonce ${nonce} was used by another transaction` : `the transaction with nonce ${nonce} failed`
        // Ordered again from the record as now stored: its history keeps why it went back to `seen`.
        const reopened = await store.update(record, 'seen', { attempts: 0, nextAttemptAt: 0 }, why)
        this.changed(reopened)
        await this.order(reopened)
        return
      }
      throw new Error(`the account's nonce passed ${nonce} but its transaction was not found yet`)
    } catch (err) {
      await this.failed(record, err)
    }
  }

  private async send(record: EventRecord, nonce: number): Promise<void> {
    await this.init.beforeSend?.(record)
    await this.ordered(record, await this.init.sink.place(record, nonce))
  }

  private async ordered(record: EventRecord, at: { blockHash: string; blockNumber: number }): Promise<void> {
    const done = await this.init.store.update(record, 'ordered', {
      crustBlockHash: at.blockHash,
      crustBlockNumber: at.blockNumber,
      attempts: 0,
      nextAttemptAt: 0,
    })
    this.changed(done)
    await this.pin(done)
  }

  private async pin(record: EventRecord): Promise<void> {
    const { sink, store } = this.init
    if (sink.pin === undefined) return
    try {
      await sink.pin(record.cid)
      this.changed(await store.update(record, 'ordered', { pinned: true, attempts: 0, nextAttemptAt: 0 }))
    } catch (err) {
      const attempts = record.attempts + 1
      const patch = { pinned: false, pinError: (err as Error).message, attempts, nextAttemptAt: this.now() + this.backoff(attempts) }
      this.changed(await store.update(record, 'ordered', patch))
    }
  }

  /** A permanent error ends the record (`failed`); anything else is retried later with backoff. */
  private async failed(record: EventRecord, err: unknown): Promise<void> {
    const { store } = this.init
    if (err instanceof PermanentOrderError) {
      this.changed(await store.update(record, 'failed', {}, `${err.code}: ${err.message}`))
      return
    }
    // Counted from the record as stored: the copy at hand may predate a write of this round.
    const current = store.get(eventKey(record.chainId, record.txHash, record.logIndex)) ?? record
    const attempts = current.attempts + 1
    this.changed(
      await store.update(current, current.state, { attempts, nextAttemptAt: this.now() + this.backoff(attempts) }, `will retry: ${(err as Error).message}`),
    )
  }

  private backoff(attempts: number): number {
    return Math.min(this.init.maxBackoffMs ?? 60_000, (this.init.backoffMs ?? 1000) * 2 ** (attempts - 1))
  }

  private changed(record: EventRecord): void {
    this.init.onChange?.(record)
  }
}
