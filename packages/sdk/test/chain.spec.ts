/** `connectChain` against a port where nothing listens: a typed error that names the option to fix. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { connectChain, SdkError } from '../src/index.js'

// Port 1 (tcpmux): privileged, and nothing listens on it on any machine this runs on.
const DEAD = 'ws://127.0.0.1:1'

describe('connectChain', () => {
  it('errors: nothing listening rejects with SDK_ERROR_NO_CHAIN whose advice names --chain', async () => {
    const url = DEAD
    await assert.rejects(connectChain(url), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_NO_CHAIN')
      assert.match(err.message, new RegExp(`no chain node answers at ${url}: .* pass --chain$`))
      return true
    })
  })

  it("errors: a caller's own option name replaces --chain in the advice (a storage node's --chain-rpc)", async () => {
    const url = DEAD
    await assert.rejects(connectChain(url, { flag: '--chain-rpc' }), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_NO_CHAIN')
      assert.match(err.message, / pass --chain-rpc$/)
      return true
    })
  })
})
