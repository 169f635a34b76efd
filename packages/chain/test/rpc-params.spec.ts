/** The RPC's shared parameter readers refuse what is out of range with a typed -32602 error that names the parameter. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { numberParam } from '../src/node/api/params.js'
import { RpcError } from '../src/node/rpc/index.js'

describe('numberParam', () => {
  it('behavior: reads integers and 0x hex within its range', () => {
    assert.equal(numberParam(7, 'window', 1000, 1), 7)
    assert.equal(numberParam('0x10', 'window', 1000, 1), 16)
    assert.equal(numberParam(0, 'n'), 0)
  })

  it('error: a window of 0, a negative, fractional or too large number is refused with the range in its data', () => {
    for (const bad of [0, -1, 1.5, 1001, '12', null]) {
      assert.throws(
        () => numberParam(bad, 'window', 1000, 1),
        (err: unknown) => err instanceof RpcError && err.rpcCode === -32602 && err.data === 'window: expected an integer 1-1000',
        String(bad),
      )
    }
  })
})
