import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { releaseBytes } from '../src/index.js'

describe('releaseBytes', () => {
  it('behavior: an array that is the whole of its own buffer is released (its buffer detached, the array empty)', () => {
    const bytes = new Uint8Array(1 << 20).fill(7)
    assert.equal(releaseBytes(bytes), true)
    assert.equal(bytes.buffer.detached, true)
    assert.equal(bytes.length, 0)
    assert.equal(releaseBytes(bytes), false, 'released once')
  })

  it('behavior: a view into a larger buffer, a pooled Buffer and a shared buffer are left alone', () => {
    const whole = new Uint8Array(64).fill(1)
    const view = whole.subarray(8, 16)
    assert.equal(releaseBytes(view), false)
    assert.equal(whole.length, 64)
    const pooled = Buffer.from('a few bytes from the pool')
    assert.equal(releaseBytes(pooled), false)
    assert.equal(pooled.toString(), 'a few bytes from the pool')
    const shared = new Uint8Array(new SharedArrayBuffer(16))
    assert.equal(releaseBytes(shared), false)
    assert.equal(shared.length, 16)
  })
})
