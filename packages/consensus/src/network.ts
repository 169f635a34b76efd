/**
 * The chain's p2p layer on a libp2p host: gossipsub topics for blocks and votes, the transactions
 * protocol (pool propagation, {@link TransactionPropagation}), the sync request/response protocol
 * (status, headers, bodies, block ranges, ancestors, justifications), and peer scoring (a peer that sends an invalid block, vote or
 * justification is banned for a while, and disconnected unless the host is shared with IPFS). Bans
 * and the operator's connection gate live in a {@link PeerGate} that is also the host's libp2p
 * `connectionGater`.
 */
import { EventEmitter } from 'node:events'
import { BlockImportError, type Chain, decodeExtrinsic, encodeBody, type ImportedBlock, type TransactionPool } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/base'
import type { Libp2pHost } from '@crust-ts/p2p'
import { type GossipSub, gossipsub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerScoreParams } from '@libp2p/gossipsub/score'
import { KEEP_ALIVE, type PeerId, type Stream } from '@libp2p/interface'
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import * as lp from 'it-length-prefixed'
import type { ServiceFactoryMap } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  BAN_MS,
  blocksTopic,
  MAX_AUTHORITY_PROOF_BYTES,
  MAX_AUTHORITY_PROOF_NODES,
  GATE_SERVICE,
  GOSSIP_REFUSED_SCORE,
  GOSSIP_SERVICE,
  MAX_BLOCKS_PER_RESPONSE,
  MAX_BODIES_PER_REQUEST,
  MAX_BODIES_RESPONSE_BYTES,
  MAX_HEADER_BYTES,
  MAX_HEADERS_PER_RESPONSE,
  MAX_JUSTIFICATION_BYTES,
  MAX_JUSTIFICATION_SCAN,
  MAX_JUSTIFICATIONS_PER_RESPONSE,
  MAX_MESSAGE_BYTES,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_STATE_PAIRS_PER_RESPONSE,
  MAX_STATE_RESPONSE_BYTES,
  MAX_STATUS_BYTES,
  MIN_STATE_TRANSFER_BYTES_PER_SECOND,
  Penalty,
  REQUEST_READ_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  syncProtocol,
  transactionsProtocol,
  votesTopic,
} from './constants.js'
import { decodeVoteMessage, encodeVoteMessage, type SignedVote } from './finality/vote.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import { PeerGate } from './peer-gate.js'
import { TransactionPropagation } from './tx-propagation.js'
import {
  decodeBlock,
  decodeStatePair,
  decodeWireBody,
  encodeBlock,
  encodeJson,
  encodeStatePair,
  type FrameLimits,
  parseRequest,
  parseStatus,
  readFrames,
  StateAnswer,
  type SyncRequest,
  type SyncStatus,
  type WireBlock,
} from './wire.js'

/**
 * The bounds of the response to `request`: as many frames as the server may send for it, each no
 * larger than one message of its kind, and the server's byte budget plus the one message that may cross it.
 */
export function responseLimits(request: SyncRequest): FrameLimits {
  switch (request.type) {
    case 'status':
      return { frames: 1, frameBytes: MAX_STATUS_BYTES, bytes: MAX_STATUS_BYTES }
    case 'headers': {
      const frames = Math.min(request.max, MAX_HEADERS_PER_RESPONSE)
      return { frames, frameBytes: MAX_HEADER_BYTES, bytes: frames * MAX_HEADER_BYTES }
    }
    case 'bodies':
      return { frames: Math.min(request.hashes.length, MAX_BODIES_PER_REQUEST), frameBytes: MAX_MESSAGE_BYTES, bytes: MAX_RESPONSE_BYTES }
    case 'justifications':
      return { frames: Math.min(request.max, MAX_JUSTIFICATIONS_PER_RESPONSE), frameBytes: MAX_JUSTIFICATION_BYTES, bytes: MAX_RESPONSE_BYTES }
    case 'authorities':
      return { frames: MAX_AUTHORITY_PROOF_NODES, frameBytes: MAX_MESSAGE_BYTES, bytes: MAX_AUTHORITY_PROOF_BYTES }
    case 'state':
      // The answer byte, then the pairs: the server's byte budget plus the one pair that may cross it.
      return {
        frames: 1 + Math.min(request.max, MAX_STATE_PAIRS_PER_RESPONSE),
        frameBytes: MAX_MESSAGE_BYTES,
        bytes: 1 + MAX_STATE_RESPONSE_BYTES + MAX_MESSAGE_BYTES,
      }
    default:
      return { frames: Math.min(request.max, MAX_BLOCKS_PER_RESPONSE), frameBytes: MAX_MESSAGE_BYTES, bytes: MAX_RESPONSE_BYTES }
  }
}

/** Bytes of length-prefixed frames gathered into one write of a sync answer (about one noise message). */
const ANSWER_WRITE_BYTES = 64 * 1024

/**
 * Sends `frames` length-prefixed on `stream`, gathered into writes of about {@link ANSWER_WRITE_BYTES}:
 * each write costs a muxer frame, a noise encryption (a cipher set up) and a socket write, so one
 * write per frame made a state chunk of ~1 KB pairs thousands of each (most of the serving CPU).
 */
async function sendBatched(stream: Stream, frames: Iterable<Uint8Array>): Promise<void> {
  let batch = new Uint8ArrayList()
  const flush = async () => {
    if (batch.byteLength === 0) return
    // One contiguous buffer: the list's pieces (each frame's prefix and body) would otherwise
    // each become their own noise message and socket write (~68 k writes for a 36 MB state).
    const data = batch.subarray()
    batch = new Uint8ArrayList()
    if (!stream.send(data)) await stream.onDrain()
  }
  for (const frame of frames) {
    batch.append(lp.encode.single(frame))
    if (batch.byteLength >= ANSWER_WRITE_BYTES) await flush()
  }
  await flush()
}

/**
 * The time limit of a `state` request: {@link REQUEST_TIMEOUT_MS} for the peer's lookup and the round
 * trip, plus the answer's byte budget at {@link MIN_STATE_TRANSFER_BYTES_PER_SECOND}. A fixed limit
 * would treat a slow but working peer as failed once a full chunk takes longer than it (a loaded
 * source serves ~1-2 MB/s; a 4 MiB chunk is then a few seconds, on a worse link tens).
 */
export function stateRequestTimeoutMs(request: Extract<SyncRequest, { type: 'state' }>): number {
  return REQUEST_TIMEOUT_MS + Math.ceil((responseLimits(request).bytes / MIN_STATE_TRANSFER_BYTES_PER_SECOND) * 1000)
}

/**
 * Parses the frames of a `state` answer (see {@link ChainNetwork.requestState}); BAD_MESSAGE when
 * they break the protocol.
 */
export function parseStateAnswer(
  frames: Uint8Array[],
  startAfter: Uint8Array | undefined,
  peer = 'peer',
): { pairs: Array<[Uint8Array, Uint8Array]>; complete: boolean } | undefined {
  const bad = (why: string): never => {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, `state answer: ${why}`, { peer })
  }
  const head = frames[0]
  if (head === undefined || head.length !== 1) return bad('no answer byte')
  const answer = head[0]
  if (answer === StateAnswer.UNAVAILABLE) return frames.length === 1 ? undefined : bad('pairs after "unavailable"')
  if (answer !== StateAnswer.MORE && answer !== StateAnswer.COMPLETE) return bad(`unknown answer ${answer}`)
  const pairs = frames.slice(1).map(decodeStatePair)
  if (answer === StateAnswer.MORE && pairs.length === 0) bad('no pair, yet more to come')
  let previous = startAfter
  for (const [key] of pairs) {
    if (previous !== undefined && Buffer.compare(key, previous) <= 0) bad('keys not strictly ascending')
    previous = key
  }
  return { pairs, complete: answer === StateAnswer.COMPLETE }
}

/** A transaction's era, as its decoded form carries it. */
type Era = NonNullable<ReturnType<typeof decodeExtrinsic>['signed']>['era']

/** The libp2p services the chain needs on its host (the gate is a plain object the network finds there). */
export type ConsensusServices = { [GOSSIP_SERVICE]: GossipSub; [GATE_SERVICE]: PeerGate }

/**
 * The host the chain runs on: a `@crust-ts/p2p` host with the chain's services (pass
 * {@link consensusServices} to `createLibp2pHost`).
 */
export type ConsensusHost = Libp2pHost<ConsensusServices>

export interface ConsensusServicesInit {
  /**
   * The chain's peer gate; pass the same gate's `connectionGater` to the host so libp2p enforces
   * it (`createLibp2pHost({ services: consensusServices({ gate }), connectionGater: gate.connectionGater })`).
   * A new gate (enforced by the network only, on open connections) when absent.
   */
  gate?: PeerGate
}

/**
 * The services to add to a libp2p host (`createLibp2pHost({ services: consensusServices() })`, on
 * the IPFS node's host too): gossipsub with content-addressed message ids, unsigned messages, and
 * the chain's {@link PeerGate}.
 */
export function consensusServices(init: ConsensusServicesInit = {}): ServiceFactoryMap<ConsensusServices> {
  const gate = init.gate ?? new PeerGate()
  return {
    [GATE_SERVICE]: () => gate,
    [GOSSIP_SERVICE]: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: (msg: Message) => blake2AsU8a(u8aConcat(new TextEncoder().encode(msg.topic), msg.data), 256),
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      fallbackToFloodsub: false,
      emitSelf: false,
      maxInboundDataLength: MAX_MESSAGE_BYTES,
      scoreParams: gossipScoreParams(gate),
    }),
  } as ServiceFactoryMap<ConsensusServices>
}

/**
 * The chain's gossipsub peer scoring. Gossipsub's IP colocation factor (P6) is off: it penalises
 * every peer of an IP once more than 10 peer ids were seen there, and counts ids that disconnected
 * with a score <= 0 for an hour, so a stranger who mints fresh identities from the IP an honest
 * validator shares (one host, a NAT, loopback) pushes that validator below gossipsub's publish and
 * graylist thresholds: its blocks and votes are dropped and finality stalls. Identities cost
 * nothing; the chain's own {@link PeerGate} scores and bans identities instead, and what it refuses
 * gossipsub graylists (its messages are dropped before they are decoded or validated).
 */
export function gossipScoreParams(gate: PeerGate): Partial<PeerScoreParams> {
  return {
    IPColocationFactorWeight: 0,
    appSpecificScore: (peer: string) => (gate.refusesId(peer) ? GOSSIP_REFUSED_SCORE : 0),
  }
}

export interface ChainNetworkComponents {
  host: ConsensusHost
  chain: Chain
  pool: TransactionPool
  logger: ComponentLogger
}

export interface ChainNetworkEvents {
  /** A gossiped block whose parent is unknown: the syncer fetches its ancestors from `peer`. */
  orphan: [peer: PeerId, block: WireBlock]
  /** A peer was banned (and, unless the host is shared with IPFS, disconnected): it sent invalid data, or its penalties reached the ban score. */
  banned: [peer: PeerId, reason: string]
  /** A peer was penalised (`cost` added to its score, see {@link PeerGate.penalise}). */
  penalised: [peer: PeerId, reason: string, cost: number]
  /** A well-formed sync request from `peer` is being answered (observability, tests). */
  served: [peer: PeerId, request: SyncRequest]
}

/** Handles a gossiped finality vote: 'accept' (new, valid), 'ignore', or 'reject' (invalid). */
export type VoteHandler = (vote: SignedVote, peer: PeerId) => 'accept' | 'ignore' | 'reject'

export class ChainNetwork extends EventEmitter<ChainNetworkEvents> {
  private readonly log: Logger
  private readonly gossip: GossipSub
  private readonly protocol: string
  private readonly topics: { blocks: string; votes: string }
  /** Pushes pool transactions to peers and takes theirs. */
  readonly transactions: TransactionPropagation
  /** Set by the finality gadget; votes are ignored without it. */
  voteHandler: VoteHandler | undefined
  /** Bans and denied peers; the host's connection gater when the host was built with it. */
  readonly gate: PeerGate
  /** Peers seen connecting (to redial after the gate opens). */
  private readonly knownPeers = new Map<string, PeerId>()
  // Second line behind the connection gater: a connection that opened anyway (a ban that started
  // during its upgrade, or a host built without the gater) is closed.
  private readonly onConnection = (evt: CustomEvent<{ remotePeer: PeerId; close(): Promise<void> }>) => {
    const peer = evt.detail.remotePeer
    this.knownPeers.set(peer.toString(), peer)
    if (this.gate.refusesConnection(peer)) evt.detail.close().catch(() => {})
  }

  constructor(private readonly components: ChainNetworkComponents) {
    super()
    this.log = components.logger.forComponent('consensus:network')
    const gossip = (components.host.services as Partial<ConsensusServices>)[GOSSIP_SERVICE]
    if (gossip === undefined)
      throw new ConsensusError(ConsensusErrorCode.NO_GOSSIP, 'the libp2p host has no chain gossip service: create it with consensusServices()')
    this.gossip = gossip
    this.gate = (components.host.services as Partial<ConsensusServices>)[GATE_SERVICE] ?? new PeerGate()
    const genesis = components.chain.genesis.hashHex
    this.protocol = syncProtocol(genesis)
    this.topics = { blocks: blocksTopic(genesis), votes: votesTopic(genesis) }
    this.transactions = new TransactionPropagation(
      {
        host: components.host,
        pool: components.pool,
        logger: components.logger,
        peers: () => this.peers(),
        accepts: (peer) => !this.gate.refuses(peer),
        penalise: (peer, reason, cost) => void this.penalise(peer, reason, cost),
        certainlyBadSignature: (bytes) => this.certainlyBadSignature(bytes),
        preverify: (batch) => components.pool.preverifyFromPeer(batch),
      },
      { protocol: transactionsProtocol(genesis) },
    )
  }

  async start(): Promise<void> {
    const { host } = this.components
    await host.handle(this.protocol, (stream, connection) => this.serve(stream, connection.remotePeer), { maxInboundStreams: 32 })
    this.gossip.topicValidators.set(this.topics.blocks, (peer, msg) => this.validateBlock(peer, msg))
    this.gossip.topicValidators.set(this.topics.votes, (peer, msg) => this.validateVote(peer, msg))
    this.gossip.subscribe(this.topics.blocks)
    this.gossip.subscribe(this.topics.votes)
    host.addEventListener('connection:open', this.onConnection as never)
    await this.transactions.start()
  }

  async stop(): Promise<void> {
    const { host } = this.components
    await this.transactions.stop()
    host.removeEventListener('connection:open', this.onConnection as never)
    this.gossip.unsubscribe(this.topics.blocks)
    this.gossip.unsubscribe(this.topics.votes)
    this.gossip.topicValidators.delete(this.topics.votes)
    this.gossip.topicValidators.delete(this.topics.blocks)
    await host.unhandle(this.protocol).catch(() => {})
  }

  /**
   * Whether a transaction's bad signature holds on every fork: immortal (it signs the genesis hash),
   * or mortal and born at a finalized block (the same on every fork).
   */
  private certainlyBadSignature(bytes: Uint8Array): boolean {
    const { chain } = this.components
    let era: Era | undefined
    try {
      era = decodeExtrinsic(chain.runtime, bytes).signed?.era
    } catch {
      return false
    }
    if (era === undefined) return false
    if (era.kind === 'immortal') return true
    const current = chain.best.number
    const birth = Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase
    return birth <= chain.finalized.number
  }

  /** Connected peers that are not banned. */
  peers(): PeerId[] {
    return this.components.host.getPeers().filter((p) => !this.gate.refuses(p))
  }

  /** Gossips a block this node authored (or imported from elsewhere than gossip). */
  publishBlock(imported: ImportedBlock): void {
    const header = this.components.chain.headerBytesOf(imported.block.hash)
    if (header === undefined) return
    this.publish(this.topics.blocks, encodeBlock({ header, extrinsics: imported.extrinsics }))
  }

  /** Gossips a finality vote (own, or re-gossip of one held). */
  publishVote(vote: SignedVote): void {
    this.publish(this.topics.votes, encodeVoteMessage(vote))
  }

  private validateVote(peer: PeerId, msg: Message): TopicValidatorResult {
    if (this.gate.isDenied(peer)) return TopicValidatorResult.Ignore
    if (this.gate.isBanned(peer)) return TopicValidatorResult.Reject
    let vote: SignedVote
    try {
      vote = decodeVoteMessage(msg.data)
    } catch {
      void this.penalise(peer, 'undecodable vote')
      return TopicValidatorResult.Reject
    }
    const verdict = this.voteHandler?.(vote, peer) ?? 'ignore'
    if (verdict === 'accept') return TopicValidatorResult.Accept
    if (verdict === 'ignore') return TopicValidatorResult.Ignore
    void this.penalise(peer, 'invalid vote')
    return TopicValidatorResult.Reject
  }

  private publish(topic: string, data: Uint8Array): void {
    this.gossip.publish(topic, data).catch((err: unknown) => this.log.debug({ err, topic }, 'publish failed'))
  }

  /**
   * Penalises a peer: `cost` (default {@link Penalty.INVALID}: an invalid block, vote or
   * justification, a ban at once) is added to its score; when the score reaches the ban score the
   * chain refuses the peer for {@link BAN_MS} and, with the gate's `'connection'` ban scope, it is
   * also disconnected and the host refuses its connections (dials both ways). Logs 'peer banned'.
   */
  async penalise(peer: PeerId, reason: string, cost: number = Penalty.INVALID): Promise<void> {
    const { host } = this.components
    if (this.gate.isBanned(peer)) return
    const { score, banned } = this.gate.penalise(peer, cost)
    this.emit('penalised', peer, reason, cost)
    if (!banned) {
      this.log.debug({ peer: peer.toString(), reason, cost, score }, 'peer penalised')
      return
    }
    const disconnect = this.gate.refusesConnection(peer)
    this.log.warn({ peer: peer.toString(), reason, disconnect, until: Date.now() + BAN_MS }, 'peer banned')
    this.emit('banned', peer, reason)
    if (!disconnect) return
    await host.peerStore.merge(peer, { tags: { [KEEP_ALIVE]: undefined } }).catch(() => {})
    await host.hangUp(peer).catch(() => {})
  }

  /**
   * Connection gate (operators and partition tests): these peers (ids) cannot connect (the host's
   * connection gater refuses them both ways), connections open to them are closed and their
   * messages dropped, until the set is replaced; peers let in again are dialled.
   */
  setDenied(peers: Iterable<string>): void {
    const { host } = this.components
    const opened = this.gate.setDenied(peers)
    for (const connection of host.getConnections()) {
      if (this.gate.refusesConnection(connection.remotePeer)) connection.close().catch(() => {})
    }
    // Peers let in again are dialled (libp2p stops redialling after repeated failures).
    for (const id of opened) {
      const peer = this.knownPeer(id)
      if (peer !== undefined) host.dial(peer).catch((err: unknown) => this.log.debug({ err, peer: id }, 'redial failed'))
    }
    this.log.info({ denied: this.gate.deniedPeers() }, 'connection gate')
  }

  private knownPeer(id: string): PeerId | undefined {
    return this.knownPeers.get(id)
  }

  isBanned(peer: PeerId): boolean {
    return this.gate.isBanned(peer)
  }

  private validateBlock(peer: PeerId, msg: Message): TopicValidatorResult {
    if (this.gate.isDenied(peer)) return TopicValidatorResult.Ignore
    if (this.gate.isBanned(peer)) return TopicValidatorResult.Reject
    let block: WireBlock
    try {
      block = decodeBlock(msg.data)
    } catch {
      void this.penalise(peer, 'undecodable block')
      return TopicValidatorResult.Reject
    }
    try {
      const result = this.components.chain.importBlock(block.header, block.extrinsics)
      if (result.status === 'known') return TopicValidatorResult.Ignore
      this.log.debug({ number: result.block.number, hash: result.block.hashHex, best: result.best, from: peer.toString() }, 'imported gossiped block')
      return TopicValidatorResult.Accept
    } catch (err) {
      if (!(err instanceof BlockImportError)) {
        this.log.error({ err }, 'block import failed')
        return TopicValidatorResult.Ignore
      }
      if (err.code === 'BLOCK_IMPORT_ERROR_UNKNOWN_PARENT') this.emit('orphan', peer, block)
      if (!err.invalid) return TopicValidatorResult.Ignore
      // A block whose execution gives another state root than its author's: with its calls, so the
      // logs of two nodes show where they part (a node that computes differently stops following).
      if (err.code === 'BLOCK_IMPORT_ERROR_STATE_ROOT_MISMATCH' || err.code === 'BLOCK_IMPORT_ERROR_BAD_EXTRINSIC')
        this.log.warn({ err, from: peer.toString() }, 'a gossiped block does not execute as its header says')
      void this.penalise(peer, err.code)
      return TopicValidatorResult.Reject
    }
  }

  /** Answers one sync request on `stream`. */
  private async serve(stream: Stream, peer: PeerId): Promise<void> {
    try {
      if (this.gate.refuses(peer)) {
        stream.abort(new Error('banned'))
        return
      }
      // One request frame, read within a deadline: a second frame, a larger one or a peer that
      // never ends its request gets the stream aborted.
      const timer = setTimeout(() => stream.abort(new ConsensusError(ConsensusErrorCode.TIMEOUT, 'no request in time')), REQUEST_READ_TIMEOUT_MS)
      let frames: Uint8Array[]
      try {
        frames = await readFrames(stream, { frames: 1, frameBytes: MAX_REQUEST_BYTES, bytes: MAX_REQUEST_BYTES })
      } finally {
        clearTimeout(timer)
      }
      if (frames.length !== 1) throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'expected one request')
      let request: SyncRequest
      try {
        request = parseRequest(frames[0]!)
      } catch (err) {
        void this.penalise(peer, 'unparsable sync request', Penalty.PROTOCOL)
        throw err
      }
      this.emit('served', peer, request)
      await sendBatched(stream, this.answer(request))
      await stream.close()
    } catch (err) {
      this.log.debug({ err, peer: peer.toString() }, 'sync request failed')
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private *answer(request: SyncRequest): Generator<Uint8Array> {
    const { chain } = this.components
    if (request.type === 'status') {
      const ref = (b: { number: number; hashHex: string }) => ({ number: b.number, hash: b.hashHex })
      const status: SyncStatus = { genesis: chain.genesis.hashHex, best: ref(chain.best), finalized: ref(chain.finalized) }
      yield encodeJson(status)
      return
    }
    if (request.type === 'justifications') {
      // The scan is bounded whatever it finds: at most MAX_JUSTIFICATION_SCAN numbers (the requester
      // asks again from the next window when one holds none).
      const max = Math.min(request.max, MAX_JUSTIFICATIONS_PER_RESPONSE)
      const last = Math.min(chain.finalized.number, request.from + MAX_JUSTIFICATION_SCAN - 1)
      let sent = 0
      for (let n = Math.max(1, request.from); n <= last && sent < max; n++) {
        const hash = chain.hashAt(n)
        const justification = hash === undefined ? undefined : chain.justificationOf(hash)
        if (justification === undefined) continue
        sent++
        yield justification
      }
      return
    }
    if (request.type === 'headers') {
      const last = request.from + Math.min(request.max, MAX_HEADERS_PER_RESPONSE)
      for (let n = request.from; n < last; n++) {
        const hash = chain.hashAt(n)
        const header = hash === undefined ? undefined : chain.headerBytesOf(hash)
        if (header === undefined) return
        yield header
      }
      return
    }
    if (request.type === 'state') {
      yield* this.answerState(request)
      return
    }
    if (request.type === 'authorities') {
      const block = chain.blockByHash(hexToU8a(request.hash))
      // Read whole before the first frame is sent, as a state chunk is; kept for set changes after pruning.
      const proof = block === undefined ? undefined : chain.authorityProof(block)
      if (proof !== undefined) yield* proof
      return
    }
    if (request.type === 'bodies') {
      let bytes = 0
      for (const hex of request.hashes) {
        const extrinsics = chain.extrinsicsOf(hexToU8a(hex))
        if (extrinsics === undefined) return
        const body = encodeBody(extrinsics)
        if (bytes > 0 && bytes + body.length > MAX_BODIES_RESPONSE_BYTES) return
        bytes += body.length
        yield body
      }
      return
    }
    // Blocks stop at the response's byte budget too (at least one is sent).
    const max = Math.min(request.max, MAX_BLOCKS_PER_RESPONSE)
    let bytes = 0
    const fits = (encoded: Uint8Array): boolean => {
      if (bytes > 0 && bytes + encoded.length > MAX_BODIES_RESPONSE_BYTES) return false
      bytes += encoded.length
      return true
    }
    if (request.type === 'range') {
      for (let n = request.from; n < request.from + max; n++) {
        const hash = chain.hashAt(n)
        if (hash === undefined) return
        const block = this.stored(hash)
        if (block === undefined) return
        const encoded = encodeBlock(block)
        if (!fits(encoded)) return
        yield encoded
      }
      return
    }
    let hash: Uint8Array | undefined = Buffer.from(request.hash.slice(2), 'hex')
    for (let i = 0; i < max && hash !== undefined; i++) {
      const block = this.stored(hash)
      if (block === undefined) return
      const encoded = encodeBlock(block)
      if (!fits(encoded)) return
      yield encoded
      const record = chain.blockByHash(hash)
      hash = record === undefined || record.number === 0 ? undefined : record.header.parentHash
    }
  }

  /**
   * A chunk of a stored state: read whole before the first frame is sent (pruning between two sends
   * cannot cut it), {@link StateAnswer.UNAVAILABLE} for an unknown block or a pruned state.
   */
  private *answerState(request: Extract<SyncRequest, { type: 'state' }>): Generator<Uint8Array> {
    const { chain } = this.components
    const block = chain.blockByHash(hexToU8a(request.hash))
    if (block === undefined || !chain.hasState(block) || request.max === 0) {
      yield Uint8Array.of(StateAnswer.UNAVAILABLE)
      return
    }
    const startAfter = request.startAfter === undefined ? undefined : hexToU8a(request.startAfter)
    const chunk = chain.stateChunk(block, startAfter, { pairs: Math.min(request.max, MAX_STATE_PAIRS_PER_RESPONSE), bytes: MAX_STATE_RESPONSE_BYTES })
    yield Uint8Array.of(chunk.complete ? StateAnswer.COMPLETE : StateAnswer.MORE)
    for (const [key, value] of chunk.pairs) yield encodeStatePair(key, value)
  }

  private stored(hash: Uint8Array): WireBlock | undefined {
    const { chain } = this.components
    const header = chain.headerBytesOf(hash)
    const extrinsics = chain.extrinsicsOf(hash)
    return header === undefined || extrinsics === undefined ? undefined : { header, extrinsics }
  }

  /**
   * Sends `request` to `peer` and reads its answer within {@link responseLimits} and
   * {@link REQUEST_TIMEOUT_MS}; beyond either the stream is aborted and the peer penalised
   * ({@link Penalty.PROTOCOL}, {@link Penalty.TIMEOUT}). Throws SYNC_FAILED (the cause says why).
   */
  private async request(peer: PeerId, request: SyncRequest, signal?: AbortSignal, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Uint8Array[]> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const both = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
    let stream: Stream | undefined
    const onAbort = () => stream?.abort(new ConsensusError(ConsensusErrorCode.TIMEOUT, 'sync request timed out'))
    both.addEventListener('abort', onAbort)
    try {
      stream = await this.components.host.dialProtocol(peer, this.protocol, { signal: both })
      stream.send(lp.encode.single(encodeJson(request)))
      await stream.close()
      return await readFrames(stream, responseLimits(request))
    } catch (err) {
      if (err instanceof ConsensusError && err.code === ConsensusErrorCode.LIMIT_EXCEEDED) {
        stream?.abort(err)
        void this.penalise(peer, `${request.type} response: ${err.message}`, Penalty.PROTOCOL)
      } else if (timeout.aborted && signal?.aborted !== true) {
        stream?.abort(new ConsensusError(ConsensusErrorCode.TIMEOUT, 'sync request timed out'))
        void this.penalise(peer, `${request.type} request timed out`, Penalty.TIMEOUT)
      }
      throw new ConsensusError(
        ConsensusErrorCode.SYNC_FAILED,
        `sync request ${request.type} to ${peer.toString()} failed`,
        { peer: peer.toString() },
        { cause: err },
      )
    } finally {
      both.removeEventListener('abort', onAbort)
    }
  }

  async requestStatus(peer: PeerId, signal?: AbortSignal): Promise<SyncStatus> {
    const frames = await this.request(peer, { type: 'status' }, signal)
    if (frames.length !== 1) throw new ConsensusError(ConsensusErrorCode.SYNC_FAILED, 'no status answer', { peer: peer.toString() })
    return parseStatus(frames[0]!)
  }

  /** Best-chain blocks of `peer` from `from` upwards (ascending). */
  async requestRange(peer: PeerId, from: number, max: number, signal?: AbortSignal): Promise<WireBlock[]> {
    return (await this.request(peer, { type: 'range', from, max }, signal)).map(decodeBlock)
  }

  /** Best-chain header bytes of `peer` from number `from` upwards (ascending; the peer caps the count). */
  async requestHeaders(peer: PeerId, from: number, max: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.request(peer, { type: 'headers', from, max }, signal)
  }

  /**
   * The extrinsics of blocks `hashes` from `peer`, in order: a prefix of them (the peer stops at a
   * block it does not have, or at its response budget). BAD_MESSAGE when a body does not decode.
   */
  async requestBodies(peer: PeerId, hashes: Uint8Array[], signal?: AbortSignal): Promise<Uint8Array[][]> {
    const frames = await this.request(peer, { type: 'bodies', hashes: hashes.map((h) => u8aToHex(h)) }, signal)
    if (frames.length > hashes.length) throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'more bodies than asked for', { peer: peer.toString() })
    return frames.map(decodeWireBody)
  }

  /** Justifications of `peer`'s finalized blocks from number `from` upwards (ascending). */
  async requestJustifications(peer: PeerId, from: number, max: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.request(peer, { type: 'justifications', from, max }, signal)
  }

  /**
   * A chunk of the state at block `hash` from `peer`: its pairs strictly after `startAfter`,
   * ascending, and whether the state ends with them; `undefined` when the peer does not have that
   * state. BAD_MESSAGE when the answer is malformed: no answer byte, pairs that do not decode, keys
   * not strictly ascending after `startAfter`, a chunk with no pair that claims more, or pairs with
   * an unavailable answer. Does not check the pairs against any root ({@link downloadState} does).
   * The time limit is `timeoutMs`, by default {@link stateRequestTimeoutMs} (scaled with the bytes the answer may bring).
   */
  async requestState(
    peer: PeerId,
    hash: Uint8Array,
    startAfter: Uint8Array | undefined,
    max: number,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<{ pairs: Array<[Uint8Array, Uint8Array]>; complete: boolean } | undefined> {
    const request: SyncRequest = { type: 'state', hash: u8aToHex(hash), max, ...(startAfter === undefined ? {} : { startAfter: u8aToHex(startAfter) }) }
    const frames = await this.request(peer, request, signal, timeoutMs ?? stateRequestTimeoutMs(request))
    return parseStateAnswer(frames, startAfter, peer.toString())
  }

  /**
   * The authority proof of block `hash` from `peer` (trie node encodings, unchecked: see
   * `Chain.verifyAuthorityProof`); `undefined` when the peer does not have that block's state.
   */
  async requestAuthorityProof(peer: PeerId, hash: Uint8Array, signal?: AbortSignal): Promise<Uint8Array[] | undefined> {
    const frames = await this.request(peer, { type: 'authorities', hash: u8aToHex(hash) }, signal)
    return frames.length === 0 ? undefined : frames
  }

  /** Block `hash` and its ancestors from `peer` (descending). */
  async requestAncestors(peer: PeerId, hash: Uint8Array, max: number, signal?: AbortSignal): Promise<WireBlock[]> {
    return (await this.request(peer, { type: 'ancestors', hash: u8aToHex(hash), max }, signal)).map(decodeBlock)
  }
}
