/**
 * Real libp2p hosts on loopback in one process: a peer that gossips an invalid block (sealed by the
 * wrong authority) is disconnected and banned, and the host's connection gater then refuses it
 * both ways; a valid block from a good peer is imported; a denied peer (the operator's gate) is
 * refused until the gate opens.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Chain, decodeHeader, encodeHeader, LOCAL_AUTHORITIES, sealHeader, signerFromUri, unsealHeader } from '@crust-ts/chain'
import type { PeerId } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { blocksTopic, type ChainNetwork, type ConsensusHost, encodeBlock, GOSSIP_SERVICE, PeerGate, syncProtocol } from '../src/index.js'
import { encodeJson } from '../src/wire.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000

describe('ChainNetwork peer penalty', () => {
  let local: LocalChains
  const hosts: ConsensusHost[] = []
  let network: ChainNetwork
  let victim: Chain
  let source: Chain

  before(async () => {
    local = await LocalChains.create('crust-penalty-', { blockTimeMs: BLOCK_TIME })
    victim = local.chain('victim')
    source = local.chain('source')
    for (let i = 0; i < 3; i++) hosts.push(await local.host(`peer-${i}`))
    network = await local.network(hosts[0]!, victim)
  })

  after(async () => {
    await local.close()
  })

  /** Connects host `i` to the victim and waits until it sees the victim subscribed to blocks. */
  async function connect(i: number): Promise<void> {
    const host = hosts[i]!
    const topic = blocksTopic(victim.genesis.hashHex)
    host.services[GOSSIP_SERVICE].subscribe(topic)
    await host.dial(hosts[0]!.getMultiaddrs()[0]!)
    await waitFor(
      async () => (host.services[GOSSIP_SERVICE].getSubscribers(topic).some((p) => p.equals(hosts[0]!.peerId)) ? true : undefined),
      'the victim subscribed',
    )
  }

  function block(slot: number, sealer: number) {
    const signer = signerFromUri(`//${LOCAL_AUTHORITIES[slot % 4]}`)
    const imported = source.produceBlock(signer.publicKey, [], slot * BLOCK_TIME + 10, { signer, slot })
    let header = source.headerBytesOf(imported.block.hash)!
    if (sealer !== slot % 4) header = encodeHeader(sealHeader(unsealHeader(decodeHeader(header))!.preHeader, signerFromUri(`//${LOCAL_AUTHORITIES[sealer]}`)))
    return encodeBlock({ header, extrinsics: imported.extrinsics })
  }

  it('behavior: a valid gossiped block is imported; a peer gossiping an invalid one is disconnected and banned', async () => {
    await connect(1)
    const topic = blocksTopic(victim.genesis.hashHex)
    await hosts[1]!.services[GOSSIP_SERVICE].publish(topic, block(1000, 0))
    await waitFor(async () => (victim.best.number === 1 ? true : undefined), 'the good block imported')

    await connect(2)
    const banned = new Promise<string>((resolve) => network.once('banned', (_peer, reason) => resolve(reason)))
    const bad = block(1001, 2) // slot 1001 belongs to authority 1
    await hosts[2]!.services[GOSSIP_SERVICE].publish(topic, bad)
    assert.equal(await banned, 'BLOCK_IMPORT_ERROR_WRONG_AUTHOR')
    await waitFor(async () => (hosts[0]!.getConnections(hosts[2]!.peerId).length === 0 ? true : undefined), 'the bad peer disconnected')
    assert.ok(network.isBanned(hosts[2]!.peerId))
    assert.equal(victim.best.number, 1)
    assert.ok(hosts[0]!.getConnections(hosts[1]!.peerId).length > 0, 'the good peer stays connected')
  })

  /**
   * Dials the victim from `host` the way a peer would talk to it (a chain sync stream); with noise's
   * early muxer negotiation the dialer's handshake ends before the victim's gater verdict, so the
   * dialler's bare `dial()` may resolve to a connection that closes at once: what fails is any use.
   */
  async function assertRefused(host: ConsensusHost, what: string): Promise<void> {
    const opened: string[] = []
    const onOpen = (evt: CustomEvent<{ remotePeer: { toString(): string } }>) => opened.push(evt.detail.remotePeer.toString())
    hosts[0]!.addEventListener('connection:open', onOpen as never)
    try {
      await assert.rejects(host.dialProtocol(hosts[0]!.getMultiaddrs()[0]!, syncProtocol(victim.genesis.hashHex)), `a dial from the ${what} peer fails`)
      await waitFor(async () => (host.getConnections(hosts[0]!.peerId).length === 0 ? true : undefined), `no connection on the ${what} side`)
      assert.equal(hosts[0]!.getConnections(host.peerId).length, 0, 'no connection on the victim side')
      assert.ok(!opened.includes(host.peerId.toString()), 'the victim never opened a connection with it')
    } finally {
      hosts[0]!.removeEventListener('connection:open', onOpen as never)
    }
  }

  it('behavior: the connection gater refuses a banned peer both ways: no connection opens on either side', async () => {
    const bad = hosts[2]!
    assert.ok(network.isBanned(bad.peerId), 'banned by the test before')
    assert.ok(network.gate.refusesConnection(bad.peerId))
    // Inbound: the banned peer dials the victim; the victim's gater refuses it after the handshake.
    await assertRefused(bad, 'banned')
    // Outbound: the victim's own dial is refused before any socket opens.
    await assert.rejects(hosts[0]!.dial(bad.getMultiaddrs()[0]!), (err: Error) => err.name === 'DialDeniedError')
    assert.equal(hosts[0]!.getConnections(bad.peerId).length, 0)
    assert.equal(bad.getConnections(hosts[0]!.peerId).length, 0)
  })

  it('behavior: a denied peer is disconnected and cannot connect until the gate opens, then it is dialled again', async () => {
    const peer = hosts[1]!
    assert.ok(hosts[0]!.getConnections(peer.peerId).length > 0, 'connected before')
    network.setDenied([peer.peerId.toString()])
    await waitFor(
      async () => (hosts[0]!.getConnections(peer.peerId).length === 0 && peer.getConnections(hosts[0]!.peerId).length === 0 ? true : undefined),
      'the denied peer disconnected',
    )
    await assertRefused(peer, 'denied')
    await assert.rejects(hosts[0]!.dial(peer.getMultiaddrs()[0]!), (err: Error) => err.name === 'DialDeniedError')
    network.setDenied([])
    await waitFor(async () => (hosts[0]!.getConnections(peer.peerId).length > 0 ? true : undefined), 'the victim dials the peer let in again')
  })
})

describe('ChainNetwork peer penalty on a host shared with IPFS (ban scope: protocols)', () => {
  let local: LocalChains
  let chain: Chain
  const hosts: ConsensusHost[] = []
  let network: ChainNetwork

  before(async () => {
    local = await LocalChains.create('crust-penalty-shared-', { blockTimeMs: BLOCK_TIME })
    chain = local.chain('chain')
    const gate = new PeerGate({ banScope: 'protocols' })
    hosts.push(await local.host('peer-0', { gate }))
    hosts.push(await local.host('peer-1'))
    network = await local.network(hosts[0]!, chain)
  })

  after(async () => {
    await local.close()
  })

  it('behavior: a banned peer keeps its connection (for bitswap) but the chain refuses it: no sync answers, not a chain peer', async () => {
    const peer = hosts[1]!
    await peer.dial(hosts[0]!.getMultiaddrs()[0]!)
    await waitFor(async () => (network.peers().some((p) => p.equals(peer.peerId)) ? true : undefined), 'a chain peer')
    await network.penalise(peer.peerId, 'test')
    assert.ok(network.isBanned(peer.peerId))
    assert.ok(!network.gate.refusesConnection(peer.peerId))
    assert.ok(hosts[0]!.getConnections(peer.peerId).length > 0, 'still connected')
    assert.ok(!network.peers().some((p) => p.equals(peer.peerId)), 'not a chain peer')
    // Its sync request is refused (the stream is aborted), while other protocols (here ping) still run.
    const refused = async () => {
      const stream = await peer.dialProtocol(hosts[0]!.peerId, syncProtocol(chain.genesis.hashHex))
      stream.send(lp.encode.single(encodeJson({ type: 'status' })))
      await stream.close()
      for await (const _ of lp.decode(stream)) return false
      return true
    }
    assert.ok(await refused().catch(() => true), 'no status answer')
    const services = peer.services as unknown as { ping: { ping(p: PeerId): Promise<number> } }
    await services.ping.ping(hosts[0]!.peerId)
  })
})
