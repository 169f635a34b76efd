/**
 * A hostile peer for the chain's p2p protocols (tests and benches): a libp2p host of its own that
 * speaks the consensus package's sync request/response protocol, its gossip topics (blocks, votes)
 * and its transactions push protocol, and lies. It claims a huge best block in `status` and then
 * answers requests with nothing (`'empty'`), with frames until the stream is aborted
 * (`'endless'`), or never (`'hang'`); it floods blocks whose parents do not exist, pushes
 * transactions with forged signatures, and sends random bytes.
 *
 * The wire formats are restated here from `@crust-ts/consensus` (constants.ts, wire.ts): a test
 * kit that imported the package it tests would fix its bugs into the harness.
 */
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { auraPreDigest, encodeBody, encodeHeader } from '@crust-ts/chain'
import { type GossipSub, gossipsub, type Message } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { compactFromU8a, compactToU8a, u8aConcat } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import * as lp from 'it-length-prefixed'
import { createLibp2p } from 'libp2p'

/** How the rogue answers sync requests other than `status`. */
export type RogueSyncMode = 'empty' | 'endless' | 'hang'

export interface RoguePeerInit {
  /** The chain's genesis hash (0x hex): it names the protocols and topics. */
  genesisHash: string
  /** The best (and finalized) block number its `status` claims; default 10^9. */
  claimBest?: number
  /** Default `'empty'`. */
  mode?: RogueSyncMode
  /** How many frames of 1 KiB an `'endless'` answer sends before it gives up (default 100,000). */
  endlessFrames?: number
}

/** The chain's protocol ids and topics for `genesisHash` (as `@crust-ts/consensus` names them). */
export function chainProtocols(genesisHash: string): { sync: string; transactions: string; blocks: string; votes: string } {
  const g = genesisHash.replace(/^0x/, '')
  return { sync: `/crust-ts/${g}/sync/1`, transactions: `/crust-ts/${g}/transactions/1`, blocks: `/crust-ts/${g}/blocks/1`, votes: `/crust-ts/${g}/votes/1` }
}

/** A signed extrinsic with one byte of its sr25519 signature flipped (version 4, `MultiAddress::Id` signer). */
export function forgeSignature(extrinsic: Uint8Array): Uint8Array {
  const [offset] = compactFromU8a(extrinsic)
  // version byte, MultiAddress::Id (1 + 32), MultiSignature::Sr25519 tag (1), then 64 signature bytes.
  const at = offset + 1 + 33 + 1 + 10
  const out = new Uint8Array(extrinsic)
  out[at] = out[at]! ^ 0xff
  return out
}

/** A decodable block numbered `number` whose parent does not exist (random), with an Aura slot and a random seal. */
export function orphanBlock(number: number, slot: number): Uint8Array {
  const header = encodeHeader({
    parentHash: randomBytes(32),
    number,
    stateRoot: randomBytes(32),
    extrinsicsRoot: randomBytes(32),
    digest: [auraPreDigest(slot), { tag: 'Seal', value: [new TextEncoder().encode('aura'), randomBytes(64)] }],
  })
  return u8aConcat(compactToU8a(header.length), header, encodeBody([]))
}

type RogueHost = Libp2p<{ gossip: GossipSub; identify: unknown }>

export class RoguePeer {
  /** Sync requests received, by type (`'garbage'`: unparsable). */
  readonly served: Record<string, number> = {}
  /** Sync requests other than `status` being answered now, and the most at once. */
  inFlight = 0
  maxInFlight = 0
  mode: RogueSyncMode
  claimBest: number
  endlessFrames: number
  private readonly protocols: ReturnType<typeof chainProtocols>
  private readonly hung = new Set<Stream>()

  private constructor(
    readonly host: RogueHost,
    init: RoguePeerInit,
  ) {
    this.protocols = chainProtocols(init.genesisHash)
    this.mode = init.mode ?? 'empty'
    this.claimBest = init.claimBest ?? 1_000_000_000
    this.endlessFrames = init.endlessFrames ?? 100_000
  }

  /** A started rogue host on a loopback port, subscribed to the chain's topics and serving its sync protocol. */
  static async create(init: RoguePeerInit): Promise<RoguePeer> {
    const host = (await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        gossip: gossipsub({
          globalSignaturePolicy: 'StrictNoSign',
          msgIdFn: (msg: Message) => blake2AsU8a(u8aConcat(new TextEncoder().encode(msg.topic), msg.data), 256),
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          fallbackToFloodsub: false,
          emitSelf: false,
        }),
      },
    })) as unknown as RogueHost
    const rogue = new RoguePeer(host, init)
    await host.handle(rogue.protocols.sync, (stream) => void rogue.answer(stream), { maxInboundStreams: 1024 })
    // Takes pushes (and drops them): a victim's pushes must not fail for want of a handler.
    await host.handle(rogue.protocols.transactions, (stream) => stream.abort(new Error('rogue')), { maxInboundStreams: 64 })
    host.services.gossip.subscribe(rogue.protocols.blocks)
    host.services.gossip.subscribe(rogue.protocols.votes)
    return rogue
  }

  get peerId(): PeerId {
    return this.host.peerId
  }

  /** Dials each address (errors ignored: a victim that banned it refuses); resolves to how many connected. */
  async connect(addrs: string[]): Promise<number> {
    let connected = 0
    for (const addr of addrs) {
      try {
        await this.host.dial(multiaddr(addr))
        connected++
      } catch {}
    }
    return connected
  }

  /** Whether a connection to `peer` (id string) is open. */
  connectedTo(peer: string): boolean {
    return this.host.getConnections().some((c) => c.remotePeer.toString() === peer && c.status === 'open')
  }

  /** Peers that see it subscribed to the blocks topic and that it can publish to. */
  blockSubscribers(): number {
    return this.host.services.gossip.getSubscribers(this.protocols.blocks).length
  }

  private async answer(stream: Stream): Promise<void> {
    let counted = false
    try {
      let request: { type?: string } = {}
      for await (const frame of lp.decode(stream, { maxDataLength: 64 * 1024 })) {
        try {
          request = JSON.parse(new TextDecoder().decode(frame.subarray())) as { type?: string }
        } catch {
          request = { type: 'garbage' }
        }
        break
      }
      const type = request.type ?? 'garbage'
      this.served[type] = (this.served[type] ?? 0) + 1
      if (type === 'status' && this.mode !== 'endless') {
        const ref = { number: this.claimBest, hash: `0x${randomBytes(32).toString('hex')}` }
        stream.send(lp.encode.single(new TextEncoder().encode(JSON.stringify({ genesis: this.genesis(), best: ref, finalized: ref }))))
        await stream.close()
        return
      }
      this.inFlight++
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
      counted = true
      if (this.mode === 'hang') {
        this.hung.add(stream)
        return
      }
      if (this.mode === 'endless') {
        // Frames until the victim aborts the stream.
        const frame = lp.encode.single(randomBytes(1024))
        for (let i = 0; i < this.endlessFrames && stream.status === 'open' && stream.writeStatus === 'writable'; i++) {
          if (!stream.send(frame)) await stream.onDrain()
        }
      }
      await stream.close()
    } catch {
      stream.abort(new Error('rogue'))
    } finally {
      if (counted && !this.hung.has(stream)) this.inFlight--
    }
  }

  private genesis(): string {
    return `0x${this.protocols.sync.split('/')[2]}`
  }

  /** Ends the streams held by `'hang'` (they get no answer). */
  releaseHung(): void {
    for (const stream of this.hung) {
      stream.close().catch(() => {})
      this.inFlight--
    }
    this.hung.clear()
  }

  /** Gossips `count` blocks numbered `number` whose parents do not exist; resolves to how many publishes reached a peer. */
  async floodOrphans(count: number, number: number, slot: number): Promise<number> {
    let sent = 0
    for (let i = 0; i < count; i++) {
      try {
        const result = await this.host.services.gossip.publish(this.protocols.blocks, orphanBlock(number, slot))
        if (result.recipients.length > 0) sent++
      } catch {}
    }
    return sent
  }

  /** Gossips `count` random byte strings on the votes topic. */
  async floodGarbageVotes(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.host.services.gossip.publish(this.protocols.votes, randomBytes(200)).catch(() => {})
  }

  /** Sends a sync request of random bytes to `peer`; resolves to whether any answer came. */
  async sendGarbageRequest(peer: PeerId): Promise<boolean> {
    try {
      const stream = await this.host.dialProtocol(peer, this.protocols.sync)
      stream.send(lp.encode.single(randomBytes(300)))
      await stream.close()
      for await (const _ of lp.decode(stream)) return true
      return false
    } catch {
      return false
    }
  }

  /**
   * Pushes `txs` to `peer` over the transactions protocol; resolves to `'answered'` (the peer took
   * the push to its end) or `'refused'` (the stream failed or was aborted).
   */
  async pushTransactions(peer: PeerId, txs: Uint8Array[]): Promise<'answered' | 'refused'> {
    try {
      const stream = await this.host.dialProtocol(peer, this.protocols.transactions, { signal: AbortSignal.timeout(10_000) })
      for (const tx of txs) if (!stream.send(lp.encode.single(tx))) await stream.onDrain()
      await stream.close()
      let answered = false
      for await (const _ of lp.decode(stream)) answered = true
      return answered ? 'answered' : 'refused'
    } catch {
      return 'refused'
    }
  }

  /** Sends one sync request (JSON) to `peer` and counts the frames of the answer (up to `limit`). */
  async request(peer: PeerId, request: Record<string, unknown>, limit = 1_000_000): Promise<number> {
    const stream = await this.host.dialProtocol(peer, this.protocols.sync)
    stream.send(lp.encode.single(new TextEncoder().encode(JSON.stringify(request))))
    await stream.close()
    let frames = 0
    for await (const _ of lp.decode(stream, { maxDataLength: 64 * 1024 * 1024 })) if (++frames >= limit) break
    return frames
  }

  async stop(): Promise<void> {
    this.releaseHung()
    await this.host.stop()
  }
}
