/**
 * Transaction propagation between two real libp2p hosts on loopback in one process, each with its
 * own chain and pool: a peer that connects after the transactions were submitted still gets them,
 * and what a peer refused while its pool was full reaches it once blocks have made room; a push of
 * several transactions leaves in one send on its stream, and a long one is taken in parts checked ahead.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { Keyring } from '@polkadot/keyring'
import { u8aToHex } from '@polkadot/util'
import * as lp from 'it-length-prefixed'
import { type Chain, type Runtime, TransactionPool } from '@crust-ts/chain'
import { type ConsensusHost, transactionsProtocol } from '../src/index.js'
import { LocalChains } from './fixtures/local-chains.js'
import { waitFor } from './fixtures/network.js'

const BLOCK_TIME = 1000
const COUNT = 6

describe('transaction propagation', () => {
  let local: LocalChains
  const hosts: ConsensusHost[] = []
  let runtime: Runtime
  let sourceChain: Chain
  let sinkChain: Chain
  let source: TransactionPool
  let sink: TransactionPool
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 66 })

  before(async () => {
    local = await LocalChains.create('crust-txprop-', { blockTimeMs: BLOCK_TIME })
    runtime = local.runtime
    sourceChain = local.chain('source')
    sinkChain = local.chain('sink')
    source = new TransactionPool(runtime, sourceChain)
    // Room for two ready transactions and no future ones: the rest of a push is refused until blocks take them.
    sink = new TransactionPool(runtime, sinkChain, { maxReady: 2, maxFuture: 0, maxBytes: 1 << 20 })
    for (const [i, [chain, pool]] of (
      [
        [sourceChain, source],
        [sinkChain, sink],
      ] as const
    ).entries()) {
      const host = await local.host(`peer-${i}`)
      hosts.push(host)
      await local.network(host, chain, pool)
    }
  })

  after(async () => {
    await local.close()
  })

  function transfer(uri: string, nonce: number): Uint8Array {
    const registry = runtime.registry
    const dest = u8aToHex(keyring.addFromUri('//Ferdie').publicKey)
    const call = registry.createType('Call', { callIndex: [2, 3], args: { dest: { Id: dest }, value: 1_000_000_000n } })
    const xt = registry.createType('Extrinsic', call)
    xt.sign(keyring.addFromUri(uri), {
      blockHash: sourceChain.genesis.hash,
      genesisHash: sourceChain.genesis.hash,
      nonce,
      era: 0,
      runtimeVersion: registry.createType('RuntimeVersion', runtime.version),
    } as never)
    return xt.toU8a()
  }

  it('behavior: a peer connecting later gets the pool; what its full pool refused reaches it after blocks make room', async () => {
    for (let n = 0; n < COUNT; n++) source.submit(transfer('//Bob', n))
    await hosts[1]!.dial(hosts[0]!.getMultiaddrs()[0]!)
    await waitFor(async () => (sink.status().ready === 2 ? true : undefined), 'the first two transfers in the sink pool')
    assert.equal(sink.status().ready, 2, 'the sink pool holds no more than it has room for')
    const bob = keyring.addFromUri('//Bob').publicKey
    let slot = Math.floor(Date.now() / BLOCK_TIME)
    await waitFor(async () => {
      if (sink.status().ready > 0) {
        slot++
        local.produce(sinkChain, slot, { extrinsics: sink.source() })
      }
      return sinkChain.accountNonce(bob) === COUNT ? true : undefined
    }, `all ${COUNT} transfers in the sink's blocks`)
    assert.equal(sinkChain.accountNonce(bob), COUNT)
    assert.deepEqual(sink.status(), { ready: 0, future: 0, bytes: 0 })
  })

  it('behavior: a push of several transactions is one send on its stream (one yamux frame, not one per transaction)', async () => {
    // What the source's pushes send: per stream of the transactions protocol, the byte chunks passed to send().
    const pushes: Uint8Array[][] = []
    const host = hosts[0]!
    const dialProtocol = host.dialProtocol.bind(host)
    host.dialProtocol = (async (...args: Parameters<typeof dialProtocol>) => {
      const stream: Stream = await dialProtocol(...args)
      if (args[1] !== transactionsProtocol(sourceChain.genesis.hashHex)) return stream
      const sent: Uint8Array[] = []
      pushes.push(sent)
      const send = stream.send.bind(stream)
      stream.send = (data) => {
        sent.push(data.subarray())
        return send(data)
      }
      return stream
    }) as typeof host.dialProtocol
    try {
      const txs = [...Array(5).keys()].map((n) => transfer('//Charlie', n))
      for (const tx of txs) source.submit(tx)
      await waitFor(async () => (sink.status().ready === 2 ? true : undefined), "Charlie's first two transfers in the sink pool")
      const first = pushes[0]
      assert.ok(first !== undefined, 'the source pushed')
      assert.equal(first.length, 1, 'one send for the whole push')
      const frames = [...lp.decode([first[0]!])].map((f) => u8aToHex(f.subarray()))
      assert.deepEqual(
        frames,
        txs.map((tx) => u8aToHex(tx)),
        'that send carries every transaction, length-prefixed, in order',
      )
    } finally {
      host.dialProtocol = dialProtocol
    }
  })

  it('behavior: a push of 200 transactions is taken in parts checked ahead: 16 first, then at most 128; all are admitted', async () => {
    const pushSourceChain = local.chain('parts-source')
    const pushSource = new TransactionPool(runtime, pushSourceChain)
    const pushSinkChain = local.chain('parts-sink')
    const pushSink = new TransactionPool(runtime, pushSinkChain)
    const parts: number[] = []
    const preverify = pushSink.preverifyFromPeer.bind(pushSink)
    pushSink.preverifyFromPeer = (batch) => {
      parts.push(batch.length)
      return preverify(batch)
    }
    const a = await local.host('parts-a')
    const b = await local.host('parts-b')
    await local.network(a, pushSourceChain, pushSource)
    await local.network(b, pushSinkChain, pushSink)
    for (const uri of ['//Dave', '//Eve']) for (let n = 0; n < 100; n++) pushSource.submit(transfer(uri, n))
    await b.dial(a.getMultiaddrs()[0]!)
    await waitFor(async () => (pushSink.status().ready === 200 ? true : undefined), 'the 200 transfers in the sink pool')
    assert.equal(parts[0], 16)
    assert.ok(
      parts.every((n) => n <= 128),
      `parts: ${parts.join(', ')}`,
    )
    assert.equal(
      parts.reduce((x, y) => x + y, 0),
      200,
      'each pushed transaction went through a part once',
    )
  })
})
