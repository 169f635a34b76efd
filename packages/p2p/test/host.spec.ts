import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2pHost, type Libp2pHost, loadOrCreatePeerKey, PEER_KEY_FILE } from '../src/index.js'

const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crust-p2p-'))
let keys = 0
const tmpKey = () => path.join(root, `${keys++}`, PEER_KEY_FILE)

describe('p2p: host', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }))

  it('behavior: built stopped, with the key file as its identity, identify and ping, no DHT by default', async () => {
    const file = tmpKey()
    const host = await createLibp2pHost({ peerKeyPath: file, listen: LOOPBACK })
    assert.equal(host.status, 'stopped')
    assert.ok(host.services.identify)
    assert.ok(host.services.ping)
    assert.equal('dht' in host.services, false)
    assert.deepEqual(host.peerId.publicKey?.raw, (await loadOrCreatePeerKey(file)).publicKey.raw)
    await host.start()
    assert.ok(host.getMultiaddrs().length > 0)
    await host.stop()
  })

  it('behavior: services the parts bring run on the host, typed, and the DHT when asked for', async () => {
    const key = await loadOrCreatePeerKey(tmpKey())
    const marker = { kind: 'chain gate' }
    const host: Libp2pHost<{ gate: typeof marker }> = await createLibp2pHost({ privateKey: key, listen: LOOPBACK, dht: true, services: { gate: () => marker } })
    assert.equal(host.services.gate, marker)
    assert.ok(host.services.dht)
    // a host with more services is a host with fewer
    const plain: Libp2p = host
    assert.equal(plain.peerId.toString(), host.peerId.toString())
  })

  it('behavior: the connection gater refuses dials the gate denies', async () => {
    const a = await createLibp2pHost({ privateKey: await loadOrCreatePeerKey(tmpKey()), listen: LOOPBACK })
    const b = await createLibp2pHost({
      privateKey: await loadOrCreatePeerKey(tmpKey()),
      listen: LOOPBACK,
      connectionGater: { denyDialPeer: (peer) => peer.equals(a.peerId) },
    })
    await a.start()
    await b.start()
    try {
      await assert.rejects(b.dial(a.getMultiaddrs()[0]!))
      assert.equal(b.getConnections(a.peerId).length, 0)
      await a.dial(b.getMultiaddrs()[0]!)
      assert.equal(a.getConnections(b.peerId).length, 1, 'inbound connections are not refused by a dial gate')
    } finally {
      await a.stop()
      await b.stop()
    }
  })
})
