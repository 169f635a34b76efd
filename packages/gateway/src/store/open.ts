/** Opening the embedded (default) or the PostgreSQL pin store. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ComponentLogger } from '@crust-ts/base'
import { PinStoreError, PinStoreErrorCode } from './errors.js'
import type { PinStore } from './interface.js'
import { PostgresDriver, quoteIdent } from './sql/postgres-driver.js'
import { SqliteDriver } from './sql/sqlite-driver.js'
import { SqlPinStore } from './sql-pin-store.js'

/** File name of the embedded database inside its data folder. */
export const EMBEDDED_DB_FILE = 'pins.sqlite'

export interface EmbeddedPinStoreInit {
  /** Folder holding the database (created if missing). */
  dataDir: string
  /** Where migrations report what they did. */
  logger?: ComponentLogger
}

/** The embedded store (node:sqlite, one file under `dataDir`): no external service needed. */
export async function openEmbeddedPinStore(init: EmbeddedPinStoreInit): Promise<PinStore> {
  let driver: SqliteDriver
  try {
    mkdirSync(init.dataDir, { recursive: true })
    driver = new SqliteDriver(join(init.dataDir, EMBEDDED_DB_FILE))
  } catch (cause) {
    throw new PinStoreError(PinStoreErrorCode.OPEN_FAILED, `cannot open the pin store in ${init.dataDir}`, { dataDir: init.dataDir }, { cause })
  }
  return SqlPinStore.open(driver, init.logger)
}

export interface PostgresPinStoreInit {
  /** `postgres://user:password@host:port/database` */
  url: string
  /** Pool size (default 10). */
  poolSize?: number
  /** Schema holding the tables (created if missing; default: the server's search_path, usually `public`). */
  schema?: string
  /** Where migrations report what they did. */
  logger?: ComponentLogger
}

/** The PostgreSQL store; migrations run on open. */
export async function openPostgresPinStore(init: PostgresPinStoreInit): Promise<PinStore> {
  const driver = new PostgresDriver(init.url, init.poolSize ?? 10, init.schema)
  try {
    if (init.schema === undefined) await driver.query('SELECT 1')
    else {
      await driver.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(init.schema)}`).catch(async (err: unknown) => {
        // two processes creating it at once: fine if it exists now
        const [row] = await driver.query('SELECT 1 AS ok FROM pg_namespace WHERE nspname = ?', [init.schema!])
        if (row === undefined) throw err
      })
    }
  } catch (cause) {
    await driver.close().catch(() => {})
    throw new PinStoreError(PinStoreErrorCode.OPEN_FAILED, 'cannot connect to PostgreSQL', {}, { cause })
  }
  return SqlPinStore.open(driver, init.logger)
}
