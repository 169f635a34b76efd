/** The PinStore contract against the embedded store and (with CRUST_TEST_PG_URL) PostgreSQL. */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, it } from 'node:test'
import pg from 'pg'
import { EMBEDDED_DB_FILE, openEmbeddedPinStore, openPostgresPinStore } from '../src/store/index.js'
import { PostgresDriver } from '../src/store/sql/postgres-driver.js'
import { SqliteDriver } from '../src/store/sql/sqlite-driver.js'
import { PG_SKIP, pgUrl } from './fixtures/postgres.js'
import { pinStoreContract } from './fixtures/store-contract.js'

pinStoreContract('embedded (node:sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-store-'))
  return {
    open: (options = {}) => openEmbeddedPinStore({ dataDir: join(dir, 'data'), ...options }),
    async raw() {
      mkdirSync(join(dir, 'data'), { recursive: true })
      return new SqliteDriver(join(dir, 'data', EMBEDDED_DB_FILE))
    },
    async migrationRows() {
      const db = new DatabaseSync(join(dir, 'data', EMBEDDED_DB_FILE), { readOnly: true })
      try {
        return Number((db.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n)
      } finally {
        db.close()
      }
    },
    async destroy() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

if (PG_SKIP !== false) console.warn('PinStore contract: PostgreSQL run SKIPPED: set CRUST_TEST_PG_URL=postgres://user@host:port/db to run it')
let n = 0
pinStoreContract(
  'PostgreSQL',
  async () => {
    const PG_URL = pgUrl()
    // A fresh schema per test keeps runs independent; it is dropped afterwards.
    const schema = `crust_gw_test_${process.pid}_${Date.now()}_${n++}`
    return {
      open: (options = {}) => openPostgresPinStore({ url: PG_URL, schema, poolSize: 4, ...options }),
      async raw() {
        const driver = new PostgresDriver(PG_URL, 2, schema)
        await driver.run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
        return driver
      },
      async migrationRows() {
        const client = new pg.Client({ connectionString: PG_URL })
        await client.connect()
        try {
          return Number((await client.query(`SELECT COUNT(*) AS n FROM "${schema}".schema_version`)).rows[0].n)
        } finally {
          await client.end()
        }
      },
      async destroy() {
        const client = new pg.Client({ connectionString: PG_URL })
        await client.connect()
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        } finally {
          await client.end()
        }
      },
    }
  },
  { skip: PG_SKIP },
)

describe('embedded driver', () => {
  it('behavior: transactions of one event-loop turn share a commit; a failing one rolls back alone; all settle after the commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-gw-sqlite-'))
    const driver = new SqliteDriver(join(dir, 'db.sqlite'))
    try {
      await driver.run('CREATE TABLE t (k INTEGER PRIMARY KEY)')
      const settled = await Promise.allSettled(
        [1, 2, 3, 4].map((k) =>
          driver.transaction(async (tx) => {
            await tx.run('INSERT INTO t (k) VALUES (?)', [k])
            if (k === 2) throw new Error('refused')
            // Another reader sees nothing before the shared commit.
            const reader = new DatabaseSync(join(dir, 'db.sqlite'), { readOnly: true })
            assert.equal(reader.prepare('SELECT COUNT(*) AS n FROM t').get()!.n, 0)
            reader.close()
            return k
          }),
        ),
      )
      assert.deepEqual(
        settled.map((s) => s.status),
        ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      )
      assert.deepEqual(
        (await driver.query<{ k: number }>('SELECT k FROM t ORDER BY k')).map((r) => r.k),
        [1, 3, 4],
      )
      const later = await driver.transaction(async (tx) => tx.run('INSERT INTO t (k) VALUES (5)'))
      assert.equal(later, 1)
      assert.equal((await driver.query<{ n: number }>('SELECT COUNT(*) AS n FROM t'))[0]!.n, 4)
    } finally {
      await driver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
