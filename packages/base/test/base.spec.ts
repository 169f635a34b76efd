import assert from 'node:assert/strict'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { bucketName, CrustError, createLogger, listen, REDACTED, redactFields, redactSuri, redactUrl, silentLogger } from '@crust-ts/base'

describe('base', () => {
  it('behavior: CrustError keeps its code, class name and meta through toObject/fromObject', () => {
    const err = new CrustError('TEST_ERROR_X', 'went wrong', { n: 1 })
    assert.equal(err.name, 'CrustError')
    assert.deepEqual(err.toObject(), { code: 'TEST_ERROR_X', message: 'went wrong', meta: { n: 1 } })
    const back = CrustError.fromObject(err.toObject())
    assert.equal(back.code, 'TEST_ERROR_X')
    assert.deepEqual(back.meta, { n: 1 })
  })

  it('behavior: a subclass names itself', () => {
    class SubError extends CrustError {}
    assert.equal(new SubError('SUB', 'm').name, 'SubError')
  })

  it('behavior: bucket names are b<number>, as on disk', () => {
    assert.equal(bucketName(7), 'b7')
  })

  it('behavior: listen resolves the bound port and rejects a port in use', async () => {
    const a = createServer()
    const addr = await listen(a, 0, '127.0.0.1')
    assert.ok(addr.port > 0)
    const b = createServer()
    await assert.rejects(listen(b, addr.port, '127.0.0.1'), { code: 'EADDRINUSE' })
    a.close()
  })

  it('behavior: the silent logger drops everything', () => {
    const log = silentLogger.forComponent('x')
    assert.equal(log.isLevelEnabled('fatal'), false)
  })
})

describe('redact', () => {
  const MNEMONIC = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk'

  it('behavior: passwords leave URLs, the rest of the URL stays', () => {
    assert.equal(redactUrl('postgres://crust:hunter2@db:5432/pins'), `postgres://crust:${REDACTED}@db:5432/pins`)
    assert.equal(redactUrl('connect to wss://u:p%40ss@rpc.example/ws now'), `connect to wss://u:${REDACTED}@rpc.example/ws now`)
    assert.equal(redactUrl('postgres://db/pins?user=crust&password=hunter2&ssl=1'), `postgres://db/pins?user=crust&password=${REDACTED}&ssl=1`)
    assert.equal(redactUrl('ws://127.0.0.1:9944'), 'ws://127.0.0.1:9944')
    assert.equal(redactUrl('postgres://crust@db/pins'), 'postgres://crust@db/pins')
  })

  it('behavior: secret URIs are never shown', () => {
    assert.equal(redactSuri(MNEMONIC), REDACTED)
    assert.equal(redactSuri('//Bob//stash'), REDACTED)
    assert.equal(redactSuri(undefined), undefined)
  })

  it('behavior: redactFields replaces secret fields and passwords in strings, objects, arrays and errors', () => {
    const fields = {
      suri: MNEMONIC,
      nested: { password: 'x', url: 'postgres://a:b@h/d', keep: 1 },
      urls: ['https://u:pw@h'],
      err: new Error('cannot connect to postgres://a:topsecret@h/d'),
      plain: 'nothing here',
    }
    const out = redactFields(fields)
    const text = JSON.stringify(out)
    assert.ok(!text.includes('bottom drive'))
    assert.ok(!text.includes('topsecret'))
    assert.ok(!text.includes(':pw@'))
    assert.equal((out.nested as { keep: number }).keep, 1)
    assert.equal(out.plain, 'nothing here')
    const clean = { a: 1, url: 'ws://127.0.0.1:9944' }
    assert.equal(redactFields(clean), clean)
  })

  it('behavior: the logger writes no secret field, URL password or secret in the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crust-redact-'))
    const file = join(dir, 'log')
    const fd = openSync(file, 'w')
    const log = createLogger({ fd }).forComponent('test')
    log.info({ validatorKey: MNEMONIC, pgUrl: 'postgres://crust:hunter2@db/pins' }, 'starting with postgres://crust:hunter2@db/pins')
    log.warn({ err: new Error('bad postgres://crust:hunter2@db/pins') }, 'failed')
    closeSync(fd)
    const text = readFileSync(file, 'utf8')
    rmSync(dir, { recursive: true, force: true })
    assert.ok(!text.includes('bottom'), text)
    assert.ok(!text.includes('hunter2'), text)
    assert.ok(text.includes('postgres://crust:[redacted]@db/pins'), text)
  })
})
