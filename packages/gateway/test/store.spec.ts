/** The PinStore contract against the embedded store and (with CRUST_TEST_PG_URL) PostgreSQL. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import { EMBEDDED_DB_FILE, openEmbeddedPinStore, openPostgresPinStore } from '../src/store/index.js'
import { pinStoreContract } from './fixtures/store-contract.js'

pinStoreContract('embedded (node:sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'crust-gw-store-'))
  return {
    open: () => openEmbeddedPinStore({ dataDir: join(dir, 'data') }),
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

const PG_URL = process.env.CRUST_TEST_PG_URL
if (PG_URL === undefined || PG_URL === '') {
  console.warn('PinStore contract: PostgreSQL run SKIPPED: set CRUST_TEST_PG_URL=postgres://user@host:port/db to run it')
}
let n = 0
pinStoreContract(
  'PostgreSQL',
  async () => {
    // A fresh schema per test keeps runs independent; it is dropped afterwards.
    const schema = `crust_gw_test_${process.pid}_${Date.now()}_${n++}`
    return {
      open: () => openPostgresPinStore({ url: PG_URL!, schema, poolSize: 4 }),
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
  { skip: PG_URL === undefined || PG_URL === '' ? 'CRUST_TEST_PG_URL is not set (postgres://user@host:port/db)' : false },
)
