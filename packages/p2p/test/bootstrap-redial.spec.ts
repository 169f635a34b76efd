/**
 * BootstrapRedial over a stand-in connection manager: a bootstrap peer without a connection is
 * dialled again and again (libp2p's own reconnect gives up), a connected one is left alone, and
 * after stop nothing more is dialled.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { BootstrapRedial } from '../src/index.js'

const A = '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWQyBx7ZGLJVwBxfmMDn2ZEzvGC4mzHbJLA6DRY5BkH3Aq'
const B = '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWHHbErLxhAfG6UjKwtgJFzZvi6GoGBbbtnppaMCt7e5CX'

describe('p2p: bootstrap redial', () => {
  it('behavior: a bootstrap peer without a connection is dialled every interval; a connected one never; none after stop', async () => {
    const dialled: string[] = []
    const connected = new Set([B.split('/p2p/')[1]])
    const redial = new BootstrapRedial(
      {
        connectionManager: {
          getConnections: (peer?: PeerId) => (connected.has(peer?.toString() ?? '') ? [{}] : []),
          openConnection: async (addr: Multiaddr) => {
            dialled.push(addr.toString())
            throw new Error('unreachable')
          },
        },
      },
      [A, B, '/ip4/10.0.0.3/tcp/4001'],
      10,
    )
    redial.start()
    const deadline = Date.now() + 10_000
    while (dialled.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    redial.stop()
    const after = dialled.length
    assert.ok(after >= 3, `dialled ${after} times`)
    assert.deepEqual([...new Set(dialled)], [A], 'only the peer without a connection (an address without a peer id is skipped)')
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(dialled.length, after, 'nothing dialled after stop')
  })
})
