import assert from 'node:assert/strict'
import { modulesLoadedBy } from '@crust-ts/base'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'

const HOST_MODULE = new URL('../src/index.js', import.meta.url).href
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-p2p-lazy-'))

describe('p2p: modules a host loads', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }))

  it('behavior: a host without the DHT never loads @libp2p/kad-dht (its code would sit in an idle node for nothing)', () => {
    const loaded = modulesLoadedBy(`
      const { createLibp2pHost } = await import(${JSON.stringify(HOST_MODULE)})
      const host = await createLibp2pHost({ peerKeyPath: ${JSON.stringify(path.join(root, 'key'))}, listen: ['/ip4/127.0.0.1/tcp/0'] })
      await host.start()
      await host.stop()
    `)
    assert.ok(loaded.some((url) => url === HOST_MODULE))
    assert.deepEqual(
      loaded.filter((url) => url.includes('/node_modules/@libp2p/kad-dht/')),
      [],
    )
  })
})
