/** The sManager's sWorker client against the real sWorker API: its token goes with every POST. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { apiTokenFile, devAttestationAuthority, loadOrCreateApiToken, Sworker, SworkerApi } from '@crust-ts/sworker'
import { SmanagerError } from '../src/errors.js'
import { HttpSworkerClient } from '../src/sworker/index.js'
import { startServer } from './fixtures/http.js'

const UNKNOWN_CID = 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
const unauthorized = (err: unknown) => err instanceof SmanagerError && err.code === 'SMANAGER_ERROR_SWORKER_UNAUTHORIZED'

describe('sworker client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smanager-sworker-client-'))
  let sworker: Sworker
  let api: SworkerApi
  let url: string

  before(async () => {
    sworker = await Sworker.open({ dataDir: join(dir, 'sworker'), authority: devAttestationAuthority(), srdUnitSize: 1024 * 1024 })
    const token = loadOrCreateApiToken(join(dir, 'sworker'))
    api = new SworkerApi(sworker, { port: 0, dataDir: dir, token, blockSource: { get: async () => new Uint8Array() } })
    url = `http://127.0.0.1:${(await api.start()).port}`
  })

  after(async () => {
    await api.stop()
    await sworker.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('behavior: POSTs carry the token from the sWorker token file, which the sWorker accepts', async () => {
    const client = new HttpSworkerClient(url, { tokenFile: apiTokenFile(join(dir, 'sworker')) })
    assert.equal(await client.delete(UNKNOWN_CID), 'notFound')
    assert.equal(await client.sealStart('nonsense').catch((err: SmanagerError) => err.meta?.status), 400)
    assert.equal((await client.workload()).srdComplete, 0)
  })

  it('error: a wrong token or a missing token file is SMANAGER_ERROR_SWORKER_UNAUTHORIZED', async () => {
    await assert.rejects(new HttpSworkerClient(url, { token: 'f'.repeat(64) }).delete(UNKNOWN_CID), unauthorized)
    await assert.rejects(new HttpSworkerClient(url, { tokenFile: join(dir, 'no-such-file') }).delete(UNKNOWN_CID), unauthorized)
  })

  it('behavior: after a 401 the token file is read again, so a new sWorker token is followed', async () => {
    const server = await startServer()
    const file = join(dir, 'rotating-token')
    let current = 'a'.repeat(64)
    const seen: string[] = []
    server.handler = (req, res) => {
      seen.push(`${req.method} ${req.headers.authorization ?? '-'} ${req.headers['content-type'] ?? '-'}`)
      res.writeHead(req.headers.authorization === `Bearer ${current}` ? 404 : 401, { 'content-type': 'application/json' }).end('{}')
    }
    try {
      writeFileSync(file, `${current}\n`)
      const client = new HttpSworkerClient(server.url, { tokenFile: file })
      assert.equal(await client.delete(UNKNOWN_CID), 'notFound')
      current = 'b'.repeat(64)
      writeFileSync(file, `${current}\n`)
      assert.equal(await client.delete(UNKNOWN_CID), 'notFound')
      assert.deepEqual(seen, [
        `POST Bearer ${'a'.repeat(64)} application/json`,
        `POST Bearer ${'a'.repeat(64)} application/json`,
        `POST Bearer ${'b'.repeat(64)} application/json`,
      ])
    } finally {
      await server.close()
    }
  })
})
