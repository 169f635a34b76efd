/** The order node's HTTP API over a real store: a record by its key, the list, and JSON errors. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createApiServer, EventStore } from '../src/index.js'

const TX = `0x${'ab'.repeat(32)}`

describe('order node API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'order-api-'))
  const store = EventStore.open(dir)
  const server = createApiServer(store)
  let base: string
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  before(async () => {
    await store.create(7, {
      txHash: TX,
      logIndex: 2,
      blockNumber: 5,
      blockHash: `0x${'01'.repeat(32)}`,
      customer: '0x0000000000000000000000000000000000000001',
      merchant: '0x0000000000000000000000000000000000000002',
      cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
      size: 10n,
      price: 3n,
      isPermanent: false,
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('GET /events/:chainId/:tx/:log gives the record (any case of the hash); GET /events lists it', async () => {
    const one = await get(`/events/7/${TX.toUpperCase().replace('0X', '0x')}/2`)
    assert.equal(one.status, 200)
    assert.equal(one.body.state, 'seen')
    assert.equal(one.body.size, '10')
    const all = await get('/events')
    assert.equal((all.body.events as unknown[]).length, 1)
  })

  it('an unknown event is 404, a malformed key 400, each with a code', async () => {
    const missing = await get(`/events/7/${TX}/3`)
    assert.equal(missing.status, 404)
    assert.equal((missing.body.error as { code: string }).code, 'ORDER_NODE_NO_EVENT')
    const bad = await get('/events/7/0x12/x')
    assert.equal(bad.status, 400)
    assert.equal((bad.body.error as { code: string }).code, 'ORDER_NODE_BAD_KEY')
  })
})
