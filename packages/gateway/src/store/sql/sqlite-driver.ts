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

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const out = await fn(this.direct)
        this.db.exec('COMMIT')
        return out
      } catch (err) {
        this.db.exec('ROLLBACK')
        throw err
      }
    })
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (this.db.isOpen) this.db.close()
    })
  }
}
