/** Schema migrations, applied in order and recorded in `schema_version`; the same SQL for both stores. */
import { PinStoreError, PinStoreErrorCode } from './errors.js'
import type { SqlDriver } from './sql/driver.js'

export interface Migration {
  version: number
  description: string
  statements: string[]
}

/** Append only: never edit a released migration, add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'pins and per-CID orders',
    statements: [
      `CREATE TABLE pins (
        requestid TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        cid TEXT NOT NULL,
        name TEXT,
        origins TEXT NOT NULL,
        meta TEXT NOT NULL,
        delegates TEXT NOT NULL,
        created BIGINT NOT NULL,
        deleted BIGINT
      )`,
      'CREATE INDEX pins_owner_created ON pins (owner, created)',
      'CREATE INDEX pins_cid ON pins (cid)',
      `CREATE TABLE orders (
        cid TEXT PRIMARY KEY,
        phase TEXT NOT NULL,
        status TEXT NOT NULL,
        size BIGINT,
        nonce BIGINT,
        tx_hex TEXT,
        tx_hash TEXT,
        fee TEXT,
        expired_at BIGINT,
        replicas INTEGER NOT NULL DEFAULT 0,
        orders INTEGER NOT NULL DEFAULT 0,
        ordered_at BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        reason TEXT NOT NULL,
        last_change BIGINT NOT NULL,
        created BIGINT NOT NULL
      )`,
      'CREATE INDEX orders_phase_due ON orders (phase, next_attempt_at)',
    ],
  },
  {
    version: 2,
    description: "the W3Auth gateway's daily upload usage per account",
    statements: [
      `CREATE TABLE upload_usage (
        account TEXT NOT NULL,
        day INTEGER NOT NULL,
        bytes BIGINT NOT NULL,
        PRIMARY KEY (account, day)
      )`,
    ],
  },
  {
    version: 3,
    description: "tenants' own pins on the node, the account each order works for, and per-account daily usage of the pinning service",
    statements: [
      `CREATE TABLE tenant_pins (
        account TEXT NOT NULL,
        cid TEXT NOT NULL,
        name TEXT,
        created BIGINT NOT NULL,
        PRIMARY KEY (account, cid)
      )`,
      'CREATE INDEX tenant_pins_cid ON tenant_pins (cid)',
      'ALTER TABLE orders ADD COLUMN account TEXT',
      'UPDATE orders SET account = (SELECT p.owner FROM pins p WHERE p.cid = orders.cid ORDER BY p.created LIMIT 1)',
      'CREATE INDEX orders_phase_account ON orders (phase, account, next_attempt_at)',
      `CREATE TABLE account_usage (
        account TEXT NOT NULL,
        day INTEGER NOT NULL,
        kind TEXT NOT NULL,
        amount BIGINT NOT NULL,
        PRIMARY KEY (account, day, kind)
      )`,
    ],
  },
]

/** Latest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

/** Applies the missing migrations (idempotent; concurrent migrators on PostgreSQL are serialised). */
export async function migrate(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  await driver.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)')
  return driver.transaction(async (tx) => {
    // Serialise migrators across processes (PostgreSQL); SQLite's BEGIN IMMEDIATE already does.
    if (tx.dialect.name === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(727171)')
    const [row] = await tx.query<{ v: number | string | null }>('SELECT MAX(version) AS v FROM schema_version')
    let current = Number(row?.v ?? 0)
    const latest = migrations[migrations.length - 1]?.version ?? 0
    if (current > latest) {
      throw new PinStoreError(PinStoreErrorCode.MIGRATION_FAILED, `store schema ${current} is newer than this code (${latest})`, { current, latest })
    }
    for (const m of migrations) {
      if (m.version <= current) continue
      try {
        for (const sql of m.statements) await tx.run(sql)
      } catch (cause) {
        throw new PinStoreError(PinStoreErrorCode.MIGRATION_FAILED, `migration ${m.version} failed`, { version: m.version }, { cause })
      }
      await tx.run('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)', [m.version, m.description, Date.now()])
      current = m.version
    }
    return current
  })
}
