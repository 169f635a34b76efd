/** Two nodes on loopback TCP: `id`, `swarm/connect`, `swarm/peers`, a bitswap fetch through `cat`, `stats/bitswap`. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Libp2p } from 'libp2p'
import { type ApiFixture, collect, startApi } from './fixtures/api-server.js'
import { deterministicBuffer, deterministicBytes } from './fixtures/deterministic.js'
import { createTcpNode } from './fixtures/tcp-node.js'

function libp2p(api: ApiFixture): Libp2p {
  return (api.node.helia as unknown as { libp2p: Libp2p }).libp2p
}

describe('api: two nodes', () => {
  let a: ApiFixture
  let b: ApiFixture

  before(async () => {
    a = await startApi(await createTcpNode())
    b = await startApi(await createTcpNode())
  })

  after(async () => {
    await a.stop()
    await b.stop()
  })

  it('behavior: id reports the peer id, public key, addresses and protocols', async () => {
    const id = await a.client.id()
    assert.equal(id.id.toString(), libp2p(a).peerId.toString())
    assert.ok(id.addresses.length > 0)
    assert.ok(id.addresses.every((ma) => ma.toString().includes('/tcp/') && ma.toString().endsWith(`/p2p/${id.id}`)))
    assert.ok(id.protocols.includes('/ipfs/id/1.0.0'))
    assert.ok(id.protocols.some((p) => p.startsWith('/ipfs/bitswap')))
    assert.equal(id.agentVersion, 'crust-ts/0.1.0')
    const raw = (await (await a.call('id')).json()) as { PublicKey: string }
    assert.ok(Buffer.from(raw.PublicKey, 'base64').length >= 36, 'protobuf-encoded public key')
  })

  it('behavior: swarm connect dials the other node and swarm peers lists it', async () => {
    const target = libp2p(b).getMultiaddrs()[0]!.toString()
    const peerB = libp2p(b).peerId.toString()
    assert.deepEqual(await a.client.swarm.connect(target as never), [`connect ${peerB} success`])
    const peers = await a.client.swarm.peers()
    const entry = peers.find((p) => p.peer.toString() === peerB)
    assert.ok(entry !== undefined)
    assert.ok(entry.addr.toString().startsWith('/ip4/127.0.0.1/tcp/'))
    assert.ok(!entry.addr.toString().includes('/p2p/'))
    const verbose = (await (await a.call('swarm/peers', 'verbose=true')).json()) as {
      Peers: Array<{ Peer: string; Direction: number; Latency: string; Identify: { ID: string } }>
    }
    const v = verbose.Peers.find((p) => p.Peer === peerB)!
    assert.equal(v.Direction, 2, 'outbound')
    assert.ok(v.Latency.length > 0)
    const remote = await a.client.id({ peerId: libp2p(b).peerId } as never)
    assert.equal(remote.id.toString(), peerB)
    await assert.rejects(a.client.swarm.connect('/ip4/127.0.0.1/tcp/1' as never), /invalid p2p multiaddr/)
  })

  it('behavior: cat on one node fetches over bitswap what the other node added', async () => {
    const added = await b.client.add(deterministicBytes(1024 * 1024 + 17, 'bitswap'))
    const bytes = await collect(a.client.cat(added.cid))
    const expected = await deterministicBuffer(1024 * 1024 + 17, 'bitswap')
    assert.equal(createHash('sha256').update(bytes).digest('hex'), createHash('sha256').update(expected).digest('hex'))
    assert.equal(await a.node.helia.blockstore.has(added.cid), true, 'fetched blocks are stored')
  })

  it('behavior: stats/bitswap lists connected peers and the retrieval scores', async () => {
    const peerB = libp2p(b).peerId.toString()
    a.node.retrieval.record(peerB, { ok: true, bytes: 1000, latencyMs: 4 })
    a.node.retrieval.record('12D3KooWLowScore', { ok: false })
    const stat = await a.client.stats.bitswap()
    assert.ok(stat.peers.some((p) => p.toString() === peerB))
    assert.equal(stat.blocksReceived, 1n)
    assert.equal(stat.dataReceived, 1000n)
    const raw = (await (await a.call('stats/bitswap')).json()) as {
      RetrievalScores: Array<{ Peer: string; Successes: number; Failures: number; Bytes: number; MeanLatencyMs: number; Score: number }>
    }
    assert.deepEqual(raw.RetrievalScores[0], { Peer: peerB, Successes: 1, Failures: 0, Bytes: 1000, WrongBlocks: 0, MeanLatencyMs: 4, Score: 1 })
    assert.equal(raw.RetrievalScores[1]!.Peer, '12D3KooWLowScore')
    const same = await (await a.call('bitswap/stat')).json()
    assert.deepEqual(same, raw)
  })
})
