/** PostgreSQL through `pg`'s pool behind the SqlDriver; `?` placeholders become `$n`. */
import pg from 'pg'
import type { SqlDialect, SqlDriver, SqlExecutor, SqlValue } from './driver.js'

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  contains: (a, b) => `strpos(${a}, ${b}) > 0`,
  jsonText: (column, keyParam) => `(${column}::jsonb ->> ${keyParam})`,
  jsonKey: (key) => key,
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Rewrites `?` placeholders to `$1..$n` (our SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>
}

function executor(client: Queryable): SqlExecutor {
  return {
    dialect: postgresDialect,
    async query<T>(sql: string, params: SqlValue[] = []) {
      return (
        await client.query(
          numberPlaceholders(sql),
          params.map((p) => (typeof p === 'bigint' ? p.toString() : p)),
        )
      ).rows as T[]
    },
    async run(sql: string, params: SqlValue[] = []) {
      return (
        (
          await client.query(
            numberPlaceholders(sql),
            params.map((p) => (typeof p === 'bigint' ? p.toString() : p)),
          )
        ).rowCount ?? 0
      )
    },
  }
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = postgresDialect
  private readonly pool: pg.Pool
  private readonly direct: SqlExecutor

  constructor(connectionString: string, max = 10, schema?: string) {
    // search_path through the startup options: set before any query of every connection.
    const options = schema === undefined ? {} : { options: `-c search_path=${quoteIdent(schema)}` }
    this.pool = new pg.Pool({ connectionString, max, ...options })
    this.pool.on('error', () => {
      // an idle client lost its connection: the pool replaces it on next use
    })
    this.direct = executor(this.pool)
  }

  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.direct.query<T>(sql, params)
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.direct.run(sql, params)
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const out = await fn(executor(client))
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
