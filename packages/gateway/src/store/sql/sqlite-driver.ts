/** node:sqlite (embedded, synchronous) behind the async SqlDriver; WAL + synchronous=FULL. */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite'
import type { SqlDialect, SqlDriver, SqlExecutor, SqlValue } from './driver.js'

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  contains: (a, b) => `instr(${a}, ${b}) > 0`,
  jsonText: (column, keyParam) => `json_extract(${column}, ${keyParam})`,
  jsonKey: (key) => `$."${key.replaceAll('"', '""')}"`,
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = sqliteDialect
  private readonly db: DatabaseSync
  private tail: Promise<unknown> = Promise.resolve()
  private readonly direct: SqlExecutor
  private readonly pending: Array<{ fn: (tx: SqlExecutor) => Promise<unknown>; resolve: (value: unknown) => void; reject: (err: unknown) => void }> = []

  constructor(file: string) {
    this.db = new DatabaseSync(file)
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON')
    const db = this.db
    this.direct = {
      dialect: sqliteDialect,
      async query<T>(sql: string, params: SqlValue[] = []) {
        return db.prepare(sql).all(...(params as SQLInputValue[])) as T[]
      },
      async run(sql: string, params: SqlValue[] = []) {
        return Number(db.prepare(sql).run(...(params as SQLInputValue[])).changes)
      },
    }
  }

  /** Serialises `fn` after everything queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn)
    this.tail = next.catch(() => {})
    return next
  }

  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.serial(() => this.direct.query<T>(sql, params))
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.serial(() => this.direct.run(sql, params))
  }

  /**
   * Group commit: transactions requested in the same turn of the event loop share one SQLite
   * transaction (one fsync), each inside its own savepoint so a failing one rolls back alone.
   * Every caller's promise settles only after the shared COMMIT: durable before it resolves.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (value: unknown) => void, reject })
      if (this.pending.length === 1) setImmediate(() => void this.serial(() => this.commitPending()))
    })
  }

  private async commitPending(): Promise<void> {
    const batch = this.pending.splice(0)
    if (batch.length === 0) return
    const settle: Array<() => void> = []
    try {
      this.db.exec('BEGIN IMMEDIATE')
    } catch (err) {
      for (const item of batch) item.reject(err)
      return
    }
    for (const item of batch) {
      this.db.exec('SAVEPOINT grouped')
      try {
        const out = await item.fn(this.direct)
        this.db.exec('RELEASE grouped')
        settle.push(() => item.resolve(out))
      } catch (err) {
        this.db.exec('ROLLBACK TO grouped')
        this.db.exec('RELEASE grouped')
        settle.push(() => item.reject(err))
      }
    }
    try {
      this.db.exec('COMMIT')
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK')
      for (const item of batch) item.reject(err)
      return
    }
    for (const done of settle) done()
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (this.db.isOpen) this.db.close()
    })
  }
}
