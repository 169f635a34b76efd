import assert from 'node:assert/strict'
import { modulesLoadedBy } from '@crust-ts/base'
import { describe, it } from 'node:test'
import { loadCreateHeliaLight } from '../src/node/helia-light.js'
import { tempDir } from './fixtures/content.js'

const IPFS_MODULE = new URL('../src/index.js', import.meta.url).href

/** What `createHelia` sets up and a node on its own host never runs (see helia-light.ts). */
const UNUSED = ['@helia/libp2p', '@helia/http', '@ipshipyard/libp2p-auto-tls', '@libp2p/webrtc', '@libp2p/upnp-nat', '@libp2p/circuit-relay-v2']

describe('node: Helia without its entry module', () => {
  it("behavior: createHeliaLight comes from Helia's class, not from the entry that loads createHelia's defaults", async () => {
    const { createHeliaLight, light } = await loadCreateHeliaLight()
    assert.equal(light, true)
    const helia = createHeliaLight()
    assert.equal(typeof helia.blockstore.get, 'function')
  })

  it("behavior: an IPFS node started and stopped loads none of createHelia's defaults (their code would sit in an idle node for nothing)", () => {
    const dir = tempDir('lazy')
    try {
      const loaded = modulesLoadedBy(`
        const { createIpfsNode } = await import(${JSON.stringify(IPFS_MODULE)})
        const node = await createIpfsNode({ repoPath: ${JSON.stringify(dir.path)}, swarm: ['/ip4/127.0.0.1/tcp/0'] })
        await node.start()
        await node.stop()
      `)
      assert.ok(loaded.some((url) => url.includes('/node_modules/helia/dist/src/helia.js')))
      assert.deepEqual(
        loaded.filter((url) => UNUSED.some((pkg) => url.includes(`/node_modules/${pkg}/`))),
        [],
      )
    } finally {
      dir.remove()
    }
  })
})
