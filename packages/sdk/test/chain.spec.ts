/** `connectChain` against a port where nothing listens: a typed error that names the option to fix. */
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { connectChain, SdkError } from '../src/index.js'

/** A loopback port that was free a moment ago: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('connectChain', () => {
  it('errors: nothing listening rejects with SDK_ERROR_NO_CHAIN whose advice names --chain', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`
    await assert.rejects(connectChain(url), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_NO_CHAIN')
      assert.match(err.message, new RegExp(`no chain node answers at ${url}: .* pass --chain$`))
      return true
    })
  })

  it("errors: a caller's own option name replaces --chain in the advice (a storage node's --chain-rpc)", async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`
    await assert.rejects(connectChain(url, { flag: '--chain-rpc' }), (err: unknown) => {
      assert.ok(err instanceof SdkError)
      assert.equal(err.code, 'SDK_ERROR_NO_CHAIN')
      assert.match(err.message, / pass --chain-rpc$/)
      return true
    })
  })
})
