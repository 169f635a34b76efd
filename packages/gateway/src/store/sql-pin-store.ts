/** PinStore over SQL (node:sqlite or PostgreSQL): pins joined with their CID's order. */
import { randomUUID } from 'node:crypto'
import { PinStoreError, PinStoreErrorCode } from './errors.js'
import type { NewPin, OrderPatch, OrderPhase, OrderQuery, OrderRecord, PinList, PinQuery, PinRecord, PinStatusValue, PinStore } from './interface.js'
import { migrate } from './migrations.js'
import type { SqlDriver, SqlExecutor, SqlValue } from './sql/driver.js'

type Row = Record<string, unknown>

const ORDER_COLUMNS: Record<keyof OrderPatch, string> = {
  phase: 'phase',
  status: 'status',
  size: 'size',
  nonce: 'nonce',
  txHex: 'tx_hex',
  txHash: 'tx_hash',
  fee: 'fee',
  expiredAt: 'expired_at',
  replicas: 'replicas',
  orders: 'orders',
  orderedAt: 'ordered_at',
  attempts: 'attempts',
  nextAttemptAt: 'next_attempt_at',
  reason: 'reason',
  lastChange: 'last_change',
}

const PIN_SELECT = `SELECT p.requestid, p.owner, p.cid, p.name, p.origins, p.meta, p.delegates, p.created,
  o.cid AS o_cid, o.phase AS o_phase, o.status AS o_status, o.size AS o_size, o.nonce AS o_nonce, o.tx_hex AS o_tx_hex,
  o.tx_hash AS o_tx_hash, o.fee AS o_fee, o.expired_at AS o_expired_at, o.replicas AS o_replicas, o.orders AS o_orders,
  o.ordered_at AS o_ordered_at, o.attempts AS o_attempts, o.next_attempt_at AS o_next_attempt_at, o.reason AS o_reason,
  o.last_change AS o_last_change, o.created AS o_created
  FROM pins p LEFT JOIN orders o ON o.cid = p.cid`

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v))
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))

function orderFromRow(row: Row, prefix = ''): OrderRecord {
  const get = (name: string) => row[prefix + name]
  const order: OrderRecord = {
    cid: String(get('cid')),
    phase: String(get('phase')) as OrderPhase,
    status: String(get('status')) as PinStatusValue,
    replicas: Number(get('replicas')),
    orders: Number(get('orders')),
    attempts: Number(get('attempts')),
    nextAttemptAt: Number(get('next_attempt_at')),
    reason: String(get('reason')),
    lastChange: Number(get('last_change')),
    created: Number(get('created')),
  }
  const optional = { size: num(get('size')), nonce: num(get('nonce')), txHex: str(get('tx_hex')), txHash: str(get('tx_hash')), fee: str(get('fee')), expiredAt: num(get('expired_at')), orderedAt: num(get('ordered_at')) }
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (order as unknown as Row)[k] = v
  return order
}

function pinFromRow(row: Row): PinRecord {
  const pin: PinRecord = {
    requestid: String(row.requestid),
    owner: String(row.owner),
    cid: String(row.cid),
    origins: JSON.parse(String(row.origins)) as string[],
    meta: JSON.parse(String(row.meta)) as Record<string, string>,
    delegates: JSON.parse(String(row.delegates)) as string[],
    created: Number(row.created),
  }
  if (row.name !== null && row.name !== undefined) pin.name = String(row.name)
  if (row.o_cid !== null && row.o_cid !== undefined) pin.order = orderFromRow(row, 'o_')
  return pin
}

export class SqlPinStore implements PinStore {
  private closed = false
  private version = 0

  private constructor(private readonly db: SqlDriver) {}

  /** Opens over `driver` and applies migrations. */
  static async open(driver: SqlDriver): Promise<SqlPinStore> {
    const store = new SqlPinStore(driver)
    try {
      store.version = await migrate(driver)
    } catch (err) {
      await driver.close().catch(() => {})
      throw err
    }
    return store
  }

  private check() {
    if (this.closed) throw new PinStoreError(PinStoreErrorCode.CLOSED, 'pin store is closed')
  }

  private async insertPin(tx: SqlExecutor, pin: NewPin, now: number): Promise<string> {
    const requestid = randomUUID()
    await tx.run('INSERT INTO pins (requestid, owner, cid, name, origins, meta, delegates, created, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)', [
      requestid,
      pin.owner,
      pin.cid,
      pin.name ?? null,
      JSON.stringify(pin.origins ?? []),
      JSON.stringify(pin.meta ?? {}),
      JSON.stringify(pin.delegates ?? []),
      now,
    ])
    const created = await tx.run(
      `INSERT INTO orders (cid, phase, status, replicas, orders, attempts, next_attempt_at, reason, last_change, created)
       VALUES (?, 'queued', 'queued', 0, 0, 0, ?, ?, ?, ?) ON CONFLICT (cid) DO NOTHING`,
      [pin.cid, now, 'accepted; waiting for the order engine', now, now],
    )
    if (created === 0) {
      await tx.run(`UPDATE orders SET phase = 'queued', status = 'queued', attempts = 0, next_attempt_at = ?, reason = ?, last_change = ? WHERE cid = ? AND phase = 'failed'`, [
        now,
        're-queued by a new pin request after a failure',
        now,
        pin.cid,
      ])
    }
    return requestid
  }

  private async pinById(tx: SqlExecutor, requestid: string): Promise<PinRecord> {
    const [row] = await tx.query<Row>(`${PIN_SELECT} WHERE p.requestid = ?`, [requestid])
    return pinFromRow(row!)
  }

  async addPin(pin: NewPin, now = Date.now()): Promise<PinRecord> {
    this.check()
    return this.db.transaction(async (tx) => this.pinById(tx, await this.insertPin(tx, pin, now)))
  }

  async replacePin(owner: string, requestid: string, pin: NewPin, now = Date.now()): Promise<PinRecord | undefined> {
    this.check()
    return this.db.transaction(async (tx) => {
      const removed = await tx.run('UPDATE pins SET deleted = ? WHERE requestid = ? AND owner = ? AND deleted IS NULL', [now, requestid, owner])
      if (removed === 0) return undefined
      return this.pinById(tx, await this.insertPin(tx, { ...pin, owner }, now))
    })
  }

  async getPin(owner: string, requestid: string): Promise<PinRecord | undefined> {
    this.check()
    const [row] = await this.db.query<Row>(`${PIN_SELECT} WHERE p.requestid = ? AND p.owner = ? AND p.deleted IS NULL`, [requestid, owner])
    return row === undefined ? undefined : pinFromRow(row)
  }

  async listPins(q: PinQuery): Promise<PinList> {
    this.check()
    const d = this.db.dialect
    const where = ['p.owner = ?', 'p.deleted IS NULL']
    const params: SqlValue[] = [q.owner]
    if (q.cids !== undefined && q.cids.length > 0) {
      where.push(`p.cid IN (${q.cids.map(() => '?').join(', ')})`)
      params.push(...q.cids)
    }
    if (q.name !== undefined) {
      switch (q.match ?? 'exact') {
        case 'exact':
          where.push('p.name = ?')
          break
        case 'iexact':
          where.push('lower(p.name) = lower(?)')
          break
        case 'partial':
          where.push(d.contains('p.name', '?'))
          break
        case 'ipartial':
          where.push(d.contains('lower(p.name)', 'lower(?)'))
          break
      }
      params.push(q.name)
    }
    if (q.statuses !== undefined && q.statuses.length > 0) {
      where.push(`COALESCE(o.status, 'queued') IN (${q.statuses.map(() => '?').join(', ')})`)
      params.push(...q.statuses)
    }
    if (q.before !== undefined) {
      where.push('p.created < ?')
      params.push(q.before)
    }
    if (q.after !== undefined) {
      where.push('p.created > ?')
      params.push(q.after)
    }
    for (const [key, value] of Object.entries(q.meta ?? {})) {
      where.push(`${d.jsonText('p.meta', '?')} = ?`)
      params.push(d.jsonKey(key), value)
    }
    const clause = where.join(' AND ')
    const [counted] = await this.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM pins p LEFT JOIN orders o ON o.cid = p.cid WHERE ${clause}`, params)
    const rows = await this.db.query<Row>(`${PIN_SELECT} WHERE ${clause} ORDER BY p.created DESC, p.requestid DESC LIMIT ?`, [...params, q.limit])
    return { count: Number(counted?.n ?? 0), results: rows.map(pinFromRow) }
  }

  async deletePin(owner: string, requestid: string, now = Date.now()): Promise<boolean> {
    this.check()
    return (await this.db.run('UPDATE pins SET deleted = ? WHERE requestid = ? AND owner = ? AND deleted IS NULL', [now, requestid, owner])) > 0
  }

  async countLivePins(cid: string): Promise<number> {
    this.check()
    const [row] = await this.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM pins WHERE cid = ? AND deleted IS NULL', [cid])
    return Number(row?.n ?? 0)
  }

  async getOrder(cid: string): Promise<OrderRecord | undefined> {
    this.check()
    const [row] = await this.db.query<Row>('SELECT * FROM orders WHERE cid = ?', [cid])
    return row === undefined ? undefined : orderFromRow(row)
  }

  async listOrders(q: OrderQuery): Promise<OrderRecord[]> {
    this.check()
    if (q.phases.length === 0) return []
    const params: SqlValue[] = [...q.phases]
    let sql = `SELECT * FROM orders WHERE phase IN (${q.phases.map(() => '?').join(', ')})`
    if (q.dueAt !== undefined) {
      sql += ' AND next_attempt_at <= ?'
      params.push(q.dueAt)
    }
    sql += ' ORDER BY next_attempt_at, created, cid LIMIT ?'
    params.push(q.limit)
    return (await this.db.query<Row>(sql, params)).map((r) => orderFromRow(r))
  }

  async updateOrder(cid: string, patch: OrderPatch, expectPhase?: OrderPhase): Promise<OrderRecord | undefined> {
    this.check()
    const sets: string[] = []
    const params: SqlValue[] = []
    for (const [key, value] of Object.entries(patch)) {
      const column = ORDER_COLUMNS[key as keyof OrderPatch]
      if (column === undefined) continue
      sets.push(`${column} = ?`)
      params.push(value === undefined ? null : (value as SqlValue))
    }
    return this.db.transaction(async (tx) => {
      if (sets.length > 0) {
        let sql = `UPDATE orders SET ${sets.join(', ')} WHERE cid = ?`
        const all = [...params, cid]
        if (expectPhase !== undefined) {
          sql += ' AND phase = ?'
          all.push(expectPhase)
        }
        if ((await tx.run(sql, all)) === 0) return undefined
      }
      const [row] = await tx.query<Row>('SELECT * FROM orders WHERE cid = ?', [cid])
      return row === undefined ? undefined : orderFromRow(row)
    })
  }

  async uploadUsage(account: string, day: number): Promise<number> {
    this.check()
    const [row] = await this.db.query<{ bytes: number | string }>('SELECT bytes FROM upload_usage WHERE account = ? AND day = ?', [account, day])
    return Number(row?.bytes ?? 0)
  }

  async addUploadUsage(account: string, day: number, delta: number): Promise<number> {
    this.check()
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO upload_usage (account, day, bytes) VALUES (?, ?, ?) ON CONFLICT (account, day) DO UPDATE SET bytes = upload_usage.bytes + excluded.bytes',
        [account, day, delta],
      )
      const [row] = await tx.query<{ bytes: number | string }>('SELECT bytes FROM upload_usage WHERE account = ? AND day = ?', [account, day])
      return Number(row?.bytes ?? 0)
    })
  }

  async schemaVersion(): Promise<number> {
    return this.version
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.db.close()
  }
}
