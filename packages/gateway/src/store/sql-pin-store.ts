/** PinStore over SQL (node:sqlite or PostgreSQL): pins joined with their CID's order. */
import { randomUUID } from 'node:crypto'
import type { ComponentLogger } from '@crust-ts/base'
import { PinStoreError, PinStoreErrorCode } from './errors.js'
import type {
  FairOrderQuery,
  NewPin,
  OrderPatch,
  OrderPhase,
  OrderQuery,
  OrderRecord,
  PinLimits,
  PinList,
  PinQuery,
  PinRecord,
  PinStatusValue,
  PinStore,
  TenantPin,
} from './interface.js'
import { MIGRATIONS, migrate } from './migrations.js'
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
  account: 'account',
}

const PIN_SELECT = `SELECT p.requestid, p.owner, p.cid, p.name, p.origins, p.meta, p.delegates, p.created,
  o.cid AS o_cid, o.phase AS o_phase, o.status AS o_status, o.size AS o_size, o.nonce AS o_nonce, o.tx_hex AS o_tx_hex,
  o.tx_hash AS o_tx_hash, o.fee AS o_fee, o.expired_at AS o_expired_at, o.replicas AS o_replicas, o.orders AS o_orders,
  o.ordered_at AS o_ordered_at, o.attempts AS o_attempts, o.next_attempt_at AS o_next_attempt_at, o.reason AS o_reason,
  o.last_change AS o_last_change, o.created AS o_created, o.account AS o_account
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
  const optional = {
    size: num(get('size')),
    nonce: num(get('nonce')),
    txHex: str(get('tx_hex')),
    txHash: str(get('tx_hash')),
    fee: str(get('fee')),
    expiredAt: num(get('expired_at')),
    orderedAt: num(get('ordered_at')),
    account: str(get('account')),
  }
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

  /** Opens over `driver` and applies migrations (reported to `logger`'s `gateway:store` component). */
  static async open(driver: SqlDriver, logger?: ComponentLogger): Promise<SqlPinStore> {
    const store = new SqlPinStore(driver)
    try {
      store.version = await migrate(driver, MIGRATIONS, logger === undefined ? {} : { log: logger.forComponent('gateway:store') })
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
      `INSERT INTO orders (cid, phase, status, replicas, orders, attempts, next_attempt_at, reason, last_change, created, account)
       VALUES (?, 'queued', 'queued', 0, 0, 0, ?, ?, ?, ?, ?) ON CONFLICT (cid) DO NOTHING`,
      [pin.cid, now, 'accepted; waiting for the order engine', now, now, pin.owner],
    )
    if (created === 0) {
      await tx.run(
        `UPDATE orders SET phase = 'queued', status = 'queued', attempts = 0, next_attempt_at = ?, reason = ?, last_change = ?, account = ? WHERE cid = ? AND phase = 'failed'`,
        [now, 're-queued by a new pin request after a failure', now, pin.owner, pin.cid],
      )
    }
    return requestid
  }

  private async pinById(tx: SqlExecutor, requestid: string): Promise<PinRecord> {
    const [row] = await tx.query<Row>(`${PIN_SELECT} WHERE p.requestid = ?`, [requestid])
    return pinFromRow(row!)
  }

  async addPin(pin: NewPin, now = Date.now(), limits?: PinLimits): Promise<PinRecord> {
    this.check()
    return this.db.transaction(async (tx) => {
      if (limits !== undefined) await this.checkLimits(tx, pin.owner, limits)
      return this.pinById(tx, await this.insertPin(tx, pin, now))
    })
  }

  /** Throws LIMIT_REACHED when one more pin of `owner` would pass `limits` (inside the insert's transaction). */
  private async checkLimits(tx: SqlExecutor, owner: string, limits: PinLimits): Promise<void> {
    // One owner's pins are counted and added one transaction at a time (PostgreSQL: concurrent
    // transactions would each see the count before the others' inserts); SQLite's writer lock does it.
    if (tx.dialect.name === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(727172, hashtext(?))', [owner])
    if (limits.maxPending !== undefined) {
      const [row] = await tx.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM pins p JOIN orders o ON o.cid = p.cid WHERE p.owner = ? AND p.deleted IS NULL AND o.phase IN ('queued', 'submitting')`,
        [owner],
      )
      if (Number(row?.n ?? 0) >= limits.maxPending) {
        throw new PinStoreError(PinStoreErrorCode.LIMIT_REACHED, `${limits.maxPending} pins of this account are waiting to be ordered`, {
          limit: 'pending',
          max: limits.maxPending,
        })
      }
    }
    if (limits.maxSince !== undefined) {
      const [row] = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM pins WHERE owner = ? AND created >= ?', [owner, limits.since ?? 0])
      if (Number(row?.n ?? 0) >= limits.maxSince) {
        throw new PinStoreError(PinStoreErrorCode.LIMIT_REACHED, `this account made ${limits.maxSince} pins today`, { limit: 'since', max: limits.maxSince })
      }
    }
  }

  async replacePin(owner: string, requestid: string, pin: NewPin, now = Date.now(), limits?: PinLimits): Promise<PinRecord | undefined> {
    this.check()
    return this.db.transaction(async (tx) => {
      const removed = await tx.run('UPDATE pins SET deleted = ? WHERE requestid = ? AND owner = ? AND deleted IS NULL', [now, requestid, owner])
      if (removed === 0) return undefined
      if (limits !== undefined) await this.checkLimits(tx, owner, limits)
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
    const [counted] = await this.db.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM pins p LEFT JOIN orders o ON o.cid = p.cid WHERE ${clause}`,
      params,
    )
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

  async listDueOrdersFair(q: FairOrderQuery): Promise<OrderRecord[]> {
    this.check()
    const rows = await this.db.query<Row>(
      `SELECT * FROM (
         SELECT o.*, ROW_NUMBER() OVER (PARTITION BY COALESCE(o.account, '') ORDER BY o.next_attempt_at, o.created, o.cid) AS turn
         FROM orders o WHERE o.phase = 'queued' AND o.next_attempt_at <= ?
       ) fair WHERE turn <= ? ORDER BY turn, next_attempt_at, created, cid LIMIT ?`,
      [q.dueAt, q.perAccount, q.limit],
    )
    return rows.map((r) => orderFromRow(r))
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

  async drawUploadUsage(account: string, day: number, need: number, want: number, limit: number): Promise<number> {
    this.check()
    return this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO upload_usage (account, day, bytes) VALUES (?, ?, 0) ON CONFLICT (account, day) DO NOTHING', [account, day])
      // The row lock (PostgreSQL) / the writer lock (SQLite) makes read-decide-write one step across processes.
      const lock = tx.dialect.name === 'postgres' ? ' FOR UPDATE' : ''
      const [row] = await tx.query<{ bytes: number | string }>(`SELECT bytes FROM upload_usage WHERE account = ? AND day = ?${lock}`, [account, day])
      const left = limit - Number(row?.bytes ?? 0)
      if (need > left) return 0
      const granted = Math.max(0, Math.min(Math.max(want, need), left))
      if (granted > 0) await tx.run('UPDATE upload_usage SET bytes = bytes + ? WHERE account = ? AND day = ?', [granted, account, day])
      return granted
    })
  }

  async addTenantPin(account: string, cid: string, name?: string, now = Date.now()): Promise<boolean> {
    this.check()
    const added = await this.db.run('INSERT INTO tenant_pins (account, cid, name, created) VALUES (?, ?, ?, ?) ON CONFLICT (account, cid) DO NOTHING', [
      account,
      cid,
      name ?? null,
      now,
    ])
    if (added === 0 && name !== undefined && name !== '')
      await this.db.run('UPDATE tenant_pins SET name = ? WHERE account = ? AND cid = ?', [name, account, cid])
    return added > 0
  }

  async removeTenantPin(account: string, cid: string): Promise<boolean> {
    this.check()
    return (await this.db.run('DELETE FROM tenant_pins WHERE account = ? AND cid = ?', [account, cid])) > 0
  }

  async listTenantPins(account: string, cids?: string[]): Promise<TenantPin[]> {
    this.check()
    const params: SqlValue[] = [account]
    let sql = 'SELECT account, cid, name, created FROM tenant_pins WHERE account = ?'
    if (cids !== undefined) {
      if (cids.length === 0) return []
      sql += ` AND cid IN (${cids.map(() => '?').join(', ')})`
      params.push(...cids)
    }
    const rows = await this.db.query<Row>(`${sql} ORDER BY created, cid`, params)
    return rows.map((r) => ({
      account: String(r.account),
      cid: String(r.cid),
      created: Number(r.created),
      ...(r.name === null || r.name === undefined ? {} : { name: String(r.name) }),
    }))
  }

  async countPinHolders(tenantKey: string, psaCids: string[]): Promise<number> {
    this.check()
    const [tenants] = await this.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM tenant_pins WHERE cid = ?', [tenantKey])
    let psa = 0
    if (psaCids.length > 0) {
      const [row] = await this.db.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM pins WHERE deleted IS NULL AND cid IN (${psaCids.map(() => '?').join(', ')})`,
        psaCids,
      )
      psa = Number(row?.n ?? 0)
    }
    return Number(tenants?.n ?? 0) + psa
  }

  async accountUsage(account: string, day: number, kind: string): Promise<number> {
    this.check()
    const [row] = await this.db.query<{ amount: number | string }>('SELECT amount FROM account_usage WHERE account = ? AND day = ? AND kind = ?', [
      account,
      day,
      kind,
    ])
    return Number(row?.amount ?? 0)
  }

  async addAccountUsage(account: string, day: number, kind: string, delta: number): Promise<number> {
    this.check()
    return this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO account_usage (account, day, kind, amount) VALUES (?, ?, ?, ?) ON CONFLICT (account, day, kind) DO UPDATE SET amount = account_usage.amount + excluded.amount',
        [account, day, kind, delta],
      )
      const [row] = await tx.query<{ amount: number | string }>('SELECT amount FROM account_usage WHERE account = ? AND day = ? AND kind = ?', [
        account,
        day,
        kind,
      ])
      return Number(row?.amount ?? 0)
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
