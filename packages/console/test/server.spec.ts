import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ConsoleConfig, ConsoleServer, consoleOrigins } from '../src/index.js'

describe('ConsoleServer', () => {
  const root = mkdtempSync(join(tmpdir(), 'console-web-'))
  const secret = mkdtempSync(join(tmpdir(), 'console-secret-'))
  let config: ConsoleConfig | undefined
  let server: ConsoleServer
  let base: string
  before(async () => {
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>')
    writeFileSync(join(root, 'chunk-ABCD1234.js'), 'export {}')
    writeFileSync(join(secret, 'key'), 'not for the browser')
    server = new ConsoleServer({ port: 0, root, config: () => config })
    base = (await server.start()).url
  })
  after(async () => {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
    rmSync(secret, { recursive: true, force: true })
  })

  it('behavior: serves the page at / and the bundle with their types; hashed chunks are cached', async () => {
    const page = await fetch(base)
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(await page.text(), /<title>console/)
    const chunk = await fetch(new URL('chunk-ABCD1234.js', base))
    assert.match(chunk.headers.get('content-type') ?? '', /^text\/javascript/)
    assert.match(chunk.headers.get('cache-control') ?? '', /immutable/)
    assert.equal((await fetch(new URL('missing.js', base))).status, 404)
  })

  it('behavior: /config.json is 503 while the network starts, then the current config', async () => {
    config = undefined
    assert.equal((await fetch(new URL('config.json', base))).status, 503)
    config = { chainRpc: 'ws://127.0.0.1:9944', devAccounts: true }
    const res = await fetch(new URL('config.json', base))
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), config)
  })

  it('error: no path leaves the web root, encoded or not; only GET and HEAD', async () => {
    const name = secret.split('/').pop()
    for (const path of [`/../${name}/key`, `/%2e%2e/${name}/key`, `/..%2f${name}%2fkey`]) {
      const res = await fetch(`${base.replace(/\/$/, '')}${path}`)
      assert.notEqual(res.status, 200, path)
      assert.doesNotMatch(await res.text(), /not for the browser/)
    }
    assert.equal((await fetch(base, { method: 'POST' })).status, 405)
  })

  it('behavior: the console origins are its loopback names on its port', () => {
    assert.deepEqual(consoleOrigins(3001), ['http://127.0.0.1:3001', 'http://localhost:3001'])
  })
})
