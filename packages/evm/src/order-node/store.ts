/**
 * The order node's durable state: one LMDB environment, a record per (chain id, tx hash, log
 * index) and a scan cursor per chain. Every state change is written (and awaited) before the step
 * that depends on it, so a crash at any point resumes from what is on disk.
 */
import { DiskReserve, reserveWrites } from '@crust-ts/base'
import { open, type RootDatabase } from 'lmdb'
import { EvmError } from '../errors.js'
import { type EventKey, type EventRecord, type EventState, eventKey, type OrderLog } from './record.js'

const RECORDS = 'e'
const CURSORS = 'c'
const HISTORY_LIMIT = 20

/** What names a record: its chain id, transaction and log index (any record carries them). */
export type RecordId = Pick<EventRecord, 'chainId' | 'txHash' | 'logIndex'>

export class EventStore {
  private readonly db: RootDatabase<unknown, Array<string | number>>

  private constructor(
    path: string,
    private readonly now: () => number,
  ) {
    try {
      this.db = reserveWrites(open<unknown, Array<string | number>>({ path, encoding: 'json' }), DiskReserve.forLmdb(path))
    } catch (err) {
      throw new EvmError('EVM_ERROR_STORE', `cannot open the order node's store at ${path}: ${(err as Error).message}`, { path }, { cause: err })
    }
  }

  static open(path: string, now: () => number = Date.now): EventStore {
    return new EventStore(path, now)
  }

  get(key: EventKey): EventRecord | undefined {
    return this.db.get([RECORDS, ...key]) as EventRecord | undefined
  }

  /** Every record, by chain id, transaction and log index. */
  all(): EventRecord[] {
    return [...this.db.getRange({ start: [RECORDS], end: [`${RECORDS}\u0000`] })].map((e) => e.value as EventRecord)
  }

  cursor(chainId: number): number | undefined {
    return this.db.get([CURSORS, chainId]) as number | undefined
  }

  async setCursor(chainId: number, block: number): Promise<void> {
    await this.put([CURSORS, chainId], block)
  }

  /** A new record in state `seen`. */
  async create(chainId: number, log: OrderLog): Promise<EventRecord> {
    const at = this.now()
    const record: EventRecord = {
      chainId,
      txHash: log.txHash.toLowerCase(),
      logIndex: log.logIndex,
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      customer: log.customer,
      merchant: log.merchant,
      cid: log.cid,
      size: log.size.toString(),
      price: log.price.toString(),
      isPermanent: log.isPermanent,
      state: 'seen',
      attempts: 0,
      nextAttemptAt: 0,
      history: [{ at, state: 'seen' }],
      updatedAt: at,
    }
    await this.save(record)
    return record
  }

  /**
   * Moves a record to `state` (or keeps it there) with the given fields changed. Only the record's
   * identity is taken from `of`: the change is merged onto the record as stored, read and written in
   * one write transaction, so a caller holding an older copy cannot overwrite fields or history
   * entries written since it read it.
   */
  async update(of: RecordId, state: EventState, patch: Partial<EventRecord> = {}, reason?: string): Promise<EventRecord> {
    const key = [RECORDS, ...eventKey(of.chainId, of.txHash, of.logIndex)]
    try {
      return await this.db.transaction(() => {
        const stored = this.db.get(key) as EventRecord | undefined
        if (stored === undefined) {
          throw new EvmError('EVM_ERROR_STORE', `no record of event ${of.txHash}:${of.logIndex} on chain ${of.chainId}`, { ...of })
        }
        const at = this.now()
        const next: EventRecord = { ...stored, ...patch, state, updatedAt: at }
        if (reason === undefined) delete next.reason
        else next.reason = reason
        if (state !== stored.state || reason !== stored.reason) {
          next.history = [...stored.history, reason === undefined ? { at, state } : { at, state, reason }].slice(-HISTORY_LIMIT)
        }
        this.db.put(key, next)
        return next
      })
    } catch (err) {
      if (err instanceof EvmError) throw err
      throw new EvmError('EVM_ERROR_STORE', `cannot write the order node's store: ${(err as Error).message}`, undefined, { cause: err })
    }
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  private async save(record: EventRecord): Promise<void> {
    await this.put([RECORDS, ...eventKey(record.chainId, record.txHash, record.logIndex)], record)
  }

  private async put(key: Array<string | number>, value: unknown): Promise<void> {
    try {
      await this.db.put(key, value)
    } catch (err) {
      throw new EvmError('EVM_ERROR_STORE', `cannot write the order node's store: ${(err as Error).message}`, undefined, { cause: err })
    }
  }
}
