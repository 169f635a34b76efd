/** The little SQL both stores need: `?` placeholders, rows as objects, transactions. */
export type SqlValue = string | number | bigint | null

export interface SqlDialect {
  name: 'sqlite' | 'postgres'
  /** SQL that is true when text `a` contains text `b` (case-sensitive). */
  contains(a: string, b: string): string
  /** SQL for the string value at JSON key `keyParam` of the JSON text column `column`. */
  jsonText(column: string, keyParam: string): string
  /** The JSON key argument for `jsonText`. */
  jsonKey(key: string): string
}

export interface SqlExecutor {
  readonly dialect: SqlDialect
  query<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>
  /** Runs a statement; resolves with the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>
}

export interface SqlDriver extends SqlExecutor {
  /** Runs `fn` in one transaction (serialised with every other call on this driver). */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  close(): Promise<void>
}
