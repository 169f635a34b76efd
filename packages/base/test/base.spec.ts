import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { describe, it } from 'node:test'
import { bucketName, CrustError, listen, silentLogger } from '@crust-ts/base'

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
