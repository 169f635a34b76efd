/**
 * The order engine tells an IPFS API that does not answer (the service's own node down or cut off:
 * the pin waits, no attempt counted) from one that answers with an error (an attempt counted).
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { ipfsUnreachable, pinAndSize } from '../src/orders/index.js'

const CID = 'QmSMYrPSyWA4kaRx6kR7CYNfDLcytdTq4yB6V1UxUHBk1D'

async function failure(api: string): Promise<unknown> {
  try {
    await pinAndSize(api, CID, AbortSignal.timeout(10_000))
  } catch (err) {
    return err
  }
  assert.fail('pinAndSize should have failed')
}

describe('order engine: IPFS failures', () => {
  it('error: a pin/add to an IPFS API that refuses connections fails as unreachable', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const err = await failure(`http://127.0.0.1:${port}`)
    assert.equal(ipfsUnreachable(err), true, String(err))
  })

  it('error: a pin/add that the IPFS API answers with an error does not fail as unreachable', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ Message: 'pin: block not found', Code: 0, Type: 'error' }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const err = await failure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      assert.equal(ipfsUnreachable(err), false, String(err))
      assert.match(String(err), /block not found/)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
