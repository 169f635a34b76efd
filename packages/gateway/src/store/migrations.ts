/** Schema migrations, applied in order and recorded in `schema_version`; the same SQL for both stores. */
import type { Logger } from '@crust-ts/base'
import { u8aToHex } from '@polkadot/util'
import { decodeAddress } from '@polkadot/util-crypto'
import { PinStoreError, PinStoreErrorCode } from './errors.js'
import type { SqlDriver, SqlExecutor } from './sql/driver.js'

export interface Migration {
  version: number
  description: string
  statements: string[]
  /** Data rewrites that need code, run after `statements` in the same transaction. */
  apply?(tx: SqlExecutor, log: Logger | undefined): Promise<void>
}

export interface MigrateOptions {
  /** Where migrations report what they did (component `gateway:store`). */
  log?: Logger
}

const SUBSTRATE = 'substrate-'
/** Scratch table of migration 4 (old account -> new account); created and dropped inside its transaction. */
const ACCOUNT_MAP = 'migration4_substrate_accounts'

/**
 * Migration 4: W3Auth accounts `substrate-<SS58 address>` (any prefix) become `substrate-0x<public key>`,
 * the form W3Auth has produced since it normalises substrate addresses. Decoding is inlined here (not
 * W3Auth's normaliser) so the migration keeps its meaning if the normaliser ever changes. Rows whose
 * address does not decode stay as they are (counted and logged); other chains are not touched. Where
 * several old keys (66, 42, 0, ... forms of one key, or a key already in the new form) meet on one
 * primary key, the rows merge: usage is summed, a tenant pin is kept once (earliest `created`, a name if
 * any of them had one).
 */
async function normaliseSubstrateAccounts(tx: SqlExecutor, log: Logger | undefined): Promise<void> {
  const isSubstrate = (column: string) => `substr(${column}, 1, ${SUBSTRATE.length}) = '${SUBSTRATE}'`
  const accounts = await tx.query<{ a: string }>(
    `SELECT owner AS a FROM pins WHERE ${isSubstrate('owner')}
     UNION SELECT account AS a FROM orders WHERE ${isSubstrate('account')}
     UNION SELECT account AS a FROM upload_usage WHERE ${isSubstrate('account')}
     UNION SELECT account AS a FROM tenant_pins WHERE ${isSubstrate('account')}
     UNION SELECT account AS a FROM account_usage WHERE ${isSubstrate('account')}`,
  )
  const map: Array<[string, string]> = []
  const skipped: string[] = []
  for (const { a: old } of accounts) {
    let normalised: string
    try {
      normalised = SUBSTRATE + u8aToHex(decodeAddress(old.slice(SUBSTRATE.length)))
    } catch {
      skipped.push(old)
      continue
    }
    if (normalised !== old) map.push([old, normalised])
  }
  if (skipped.length > 0) {
    log?.warn({ skipped: skipped.length, examples: skipped.slice(0, 5) }, 'migration 4: substrate accounts that do not decode left as they are')
  }
  if (map.length === 0) {
    log?.info({ accounts: 0, skipped: skipped.length }, 'migration 4: no substrate account to normalise')
    return
  }
  await tx.run(`CREATE TABLE ${ACCOUNT_MAP} (old TEXT PRIMARY KEY, new TEXT NOT NULL)`)
  for (let i = 0; i < map.length; i += 500) {
    const chunk = map.slice(i, i + 500)
    await tx.run(`INSERT INTO ${ACCOUNT_MAP} (old, new) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`, chunk.flat())
  }
  const mapped = (column: string) => `${column} IN (SELECT old FROM ${ACCOUNT_MAP})`
  const newOf = (column: string) => `(SELECT m.new FROM ${ACCOUNT_MAP} m WHERE m.old = ${column})`
  const changed: Record<string, number> = {}
  changed.pins = await tx.run(`UPDATE pins SET owner = ${newOf('pins.owner')} WHERE ${mapped('owner')}`)
  changed.orders = await tx.run(`UPDATE orders SET account = ${newOf('orders.account')} WHERE ${mapped('account')}`)
  // Keyed tables: the old rows, grouped by their new key, are added onto what the new key holds, then
  // removed. (`WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.)
  changed.upload_usage = await tx.run(
    `INSERT INTO upload_usage (account, day, bytes)
     SELECT m.new, u.day, SUM(u.bytes) FROM upload_usage u JOIN ${ACCOUNT_MAP} m ON m.old = u.account WHERE true GROUP BY m.new, u.day
     ON CONFLICT (account, day) DO UPDATE SET bytes = upload_usage.bytes + excluded.bytes`,
  )
  await tx.run(`DELETE FROM upload_usage WHERE ${mapped('account')}`)
  changed.account_usage = await tx.run(
    `INSERT INTO account_usage (account, day, kind, amount)
     SELECT m.new, u.day, u.kind, SUM(u.amount) FROM account_usage u JOIN ${ACCOUNT_MAP} m ON m.old = u.account WHERE true GROUP BY m.new, u.day, u.kind
     ON CONFLICT (account, day, kind) DO UPDATE SET amount = account_usage.amount + excluded.amount`,
  )
  await tx.run(`DELETE FROM account_usage WHERE ${mapped('account')}`)
  changed.tenant_pins = await tx.run(
    `INSERT INTO tenant_pins (account, cid, name, created)
     SELECT m.new, t.cid, MIN(t.name), MIN(t.created) FROM tenant_pins t JOIN ${ACCOUNT_MAP} m ON m.old = t.account WHERE true GROUP BY m.new, t.cid
     ON CONFLICT (account, cid) DO UPDATE SET
       name = CASE WHEN tenant_pins.name IS NULL OR excluded.created < tenant_pins.created THEN COALESCE(excluded.name, tenant_pins.name) ELSE tenant_pins.name END,
       created = CASE WHEN excluded.created < tenant_pins.created THEN excluded.created ELSE tenant_pins.created END`,
  )
  await tx.run(`DELETE FROM tenant_pins WHERE ${mapped('account')}`)
  await tx.run(`DROP TABLE ${ACCOUNT_MAP}`)
  log?.info({ accounts: map.length, skipped: skipped.length, ...changed }, 'migration 4: substrate accounts normalised to their public key')
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
  {
    version: 4,
    description: 'W3Auth substrate accounts keyed by the public key (substrate-0x<public key>) instead of an SS58 address',
    statements: [],
    apply: normaliseSubstrateAccounts,
  },
]

/** Latest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

/** Applies the missing migrations (idempotent; concurrent migrators on PostgreSQL are serialised). */
export async function migrate(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS, options: MigrateOptions = {}): Promise<number> {
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
        await m.apply?.(tx, options.log)
      } catch (cause) {
        throw new PinStoreError(PinStoreErrorCode.MIGRATION_FAILED, `migration ${m.version} failed`, { version: m.version }, { cause })
      }
      await tx.run('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)', [m.version, m.description, Date.now()])
      current = m.version
    }
    return current
  })
}
