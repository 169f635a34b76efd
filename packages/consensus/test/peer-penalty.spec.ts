/**
 * Two real libp2p hosts on loopback in one process: a peer that gossips an invalid block (sealed
 * by the wrong authority) is disconnected and banned; a valid block from a good peer is imported.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  builtinSpec,
  Chain,
  ChainDatabase,
  decodeHeader,
  defaultRuntimeConfig,
  encodeHeader,
  LOCAL_AUTHORITIES,
  Runtime,
  sealHeader,
  signerFromUri,
  silentLogger,
  TransactionPool,
  unsealHeader,
} from '@crust-ts/chain'
import { cryptoWaitReady } from '@polkadot/util-crypto'
import { blocksTopic, ChainNetwork, type ConsensusHost, createConsensusHost, encodeBlock, GOSSIP_SERVICE } from '../src/index.js'
import { tempDir, waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000

describe('ChainNetwork peer penalty', () => {
  let root: string
  const dbs: ChainDatabase[] = []
  const hosts: ConsensusHost[] = []
  let network: ChainNetwork
  let victim: Chain
  let source: Chain

  before(async () => {
    await cryptoWaitReady()
    root = tempDir('crust-penalty-')
    const runtime = new Runtime({ ...defaultRuntimeConfig, blockTimeMs: BLOCK_TIME })
    const open = (name: string) => {
      const db = ChainDatabase.open(join(root, name))
      dbs.push(db)
      return Chain.open(db, runtime, builtinSpec('local')!, { finality: 'external' })
    }
    victim = open('victim')
    source = open('source')
    for (let i = 0; i < 3; i++) hosts.push(await createConsensusHost({ listen: ['/ip4/127.0.0.1/tcp/0'], peerKeyPath: join(root, `peer-${i}.key`) }))
    for (const h of hosts) await h.start()
    network = new ChainNetwork({ host: hosts[0]!, chain: victim, pool: new TransactionPool(runtime, victim), logger: silentLogger })
    await network.start()
  })

  after(async () => {
    await network.stop()
    for (const h of hosts) await h.stop()
    for (const db of dbs) await db.close()
    rmSync(root, { recursive: true, force: true })
  })

  /** Connects host `i` to the victim and waits until it sees the victim subscribed to blocks. */
  async function connect(i: number): Promise<void> {
    const host = hosts[i]!
    const topic = blocksTopic(victim.genesis.hashHex)
    host.services[GOSSIP_SERVICE].subscribe(topic)
    await host.dial(hosts[0]!.getMultiaddrs()[0]!)
    await waitFor(async () => (host.services[GOSSIP_SERVICE].getSubscribers(topic).some((p) => p.equals(hosts[0]!.peerId)) ? true : undefined), 'the victim subscribed')
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
    // A banned peer that dials back is refused.
    await hosts[2]!.dial(hosts[0]!.getMultiaddrs()[0]!).catch(() => {})
    await waitFor(async () => (hosts[0]!.getConnections(hosts[2]!.peerId).length === 0 ? true : undefined), 'the banned peer refused')
    assert.ok(hosts[0]!.getConnections(hosts[1]!.peerId).length > 0, 'the good peer stays connected')
  })
})
