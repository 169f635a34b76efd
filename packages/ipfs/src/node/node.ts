import { type Logger, silentLogger } from '@crust-ts/base'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { BlockBroker, HeliaMixin } from '@helia/interface'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { type UnixFS, unixfs } from '@helia/unixfs'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import type { GCOptions, Helia } from 'helia'
import * as json from 'multiformats/codecs/json'
import type { CID } from 'multiformats/cid'
import { sha512 } from 'multiformats/hashes/sha2'
import type { BitswapStat, IpfsNode, RepoStat } from '../interface.js'
import { createLibp2pHost, type Libp2pHostError, PEER_KEY_FILE } from '@crust-ts/p2p'
import { type HeliaOnHost, hintRouter, libp2pRouter, loadWithBitswap, type WithBitswap } from '../libp2p/index.js'
import { acquireRepoLock, LmdbBlockstore, LmdbDatastore, LmdbRepo, REPO_FORMAT_VERSION, type RepoError, type RepoLock } from '../store/index.js'
import { AtomicPins } from './atomic-pins.js'
import { loadCreateHeliaLight } from './helia-light.js'
import { REPO_DB_FOLDER, SCORES_SAVE_INTERVAL_MS } from './constants.js'
import type { IpfsNodeError } from './errors.js'
import { notFoundMappingBlocks } from './fetch-errors.js'
import { defaultIpfsNodeOptions, type IpfsNodeConfig, type IpfsNodeInit, invalidOptions, resolveIpfsNodeConfig } from './options.js'
import { PinLock } from './pin-lock.js'
import { collectBytes } from '../store/index.js'
import { BLOCK_STREAM_PROTOCOL, BlockStreams, type LocalBlocks, MAX_BLOCK_STREAMS, serveBlockStream } from './block-stream.js'
import { HolderSplit, type PeerAnswer, type ServiceTiming } from './holder-split.js'
import { DefaultRetrievalScores } from './retrieval-scores.js'
import { loadScores, saveScores } from './scores-file.js'
import { ScoringBlockBroker } from './scoring-broker.js'
import { writeBehindUnixFS } from './write-behind-fs.js'

/** Bitswap's protocol id, to tell which connected peers speak it. */
const BITSWAP_PROTOCOL_PREFIX = '/ipfs/bitswap/'

/**
 * Attaches Helia's bitswap to `helia`, with every bitswap block broker it adds wrapped by `wrap`.
 * `withBitswap` registers a mixin that creates the broker when Helia starts; it is given a view of
 * `helia` whose `addMixin`/`addBlockBroker` route through here, so the wrapping needs nothing but
 * Helia's public API.
 */
function attachBitswap(helia: HeliaOnHost, withBitswap: WithBitswap, wrap: (broker: BlockBroker) => BlockBroker): void {
  const view = (target: HeliaOnHost): HeliaOnHost =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'addBlockBroker') {
          return (broker: BlockBroker | ((components: unknown) => BlockBroker)) =>
            t.addBlockBroker(typeof broker === 'function' ? (components: unknown) => wrap(broker(components)) : wrap(broker))
        }
        if (prop === 'addMixin') {
          return (mixin: HeliaMixin<HeliaOnHost>) =>
            t.addMixin<HeliaOnHost>({
              name: mixin.name,
              ...(mixin.start === undefined ? {} : { start: (h: HeliaOnHost) => mixin.start!(view(h)) }),
              ...(mixin.stop === undefined ? {} : { stop: (h: HeliaOnHost) => mixin.stop!(view(h)) }),
            })
        }
        const value = Reflect.get(t, prop, t) as unknown
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value
      },
    })
  withBitswap(view(helia))
}

/**
 * The IPFS node: Helia on the repo's LMDB block store and datastore and on a libp2p host (its own,
 * with the repo's peer key, or a shared one), with bitswap whose every fetch is bounded by
 * `fetchTimeoutMs` and scored per peer, atomic GC-safe pins, and the pin lock that orders GC against
 * adds and pins. Build it with {@link createIpfsNode}.
 */
export class DefaultIpfsNode implements IpfsNode {
  readonly helia: HeliaOnHost
  readonly fs: UnixFS
  readonly libp2p: Libp2p
  readonly fetchTimeoutMs: number
  readonly retrieval: DefaultRetrievalScores
  /** The repo folder. */
  readonly repoPath: string
  /** The LMDB environment under the repo (blocks and datastore). */
  readonly repo: LmdbRepo
  /** The node's GC/pin lock. */
  readonly pinLock: PinLock
  private readonly log: Logger
  private readonly storageMax: number
  private readonly heliaGc: (options?: GCOptions) => Promise<void>
  private lock: RepoLock | undefined
  private broker: ScoringBlockBroker | undefined
  private transition: Promise<void> = Promise.resolve()
  private running = false
  private scoresTimer: NodeJS.Timeout | undefined

  private constructor(parts: {
    helia: HeliaOnHost
    host: Libp2p
    repo: LmdbRepo
    lock: RepoLock
    blockstore: LmdbBlockstore
    datastore: LmdbDatastore
    retrieval: DefaultRetrievalScores
    split: HolderSplit | undefined
    streams: BlockStreams
    savedTiming: Array<[string, ServiceTiming]>
    wants: WantsBox
    withBitswap: WithBitswap
    init: IpfsNodeConfig
  }) {
    const { helia, init } = parts
    this.helia = helia
    this.libp2p = parts.host
    this.repo = parts.repo
    this.lock = parts.lock
    this.repoPath = init.repoPath
    this.fetchTimeoutMs = init.fetchTimeoutMs
    this.storageMax = init.storageMax
    this.retrieval = parts.retrieval
    this.log = (init.logger ?? silentLogger).forComponent('ipfs:node')
    this.pinLock = new PinLock()
    this.split = parts.split
    this.savedTiming = parts.savedTiming
    this.streams = parts.streams
    parts.wants.onWrongBlock = (peer, cid) => this.wrongBlock(peer, cid)
    attachBitswap(helia, parts.withBitswap, (inner) => {
      parts.wants.wantList = (inner as { bitswap?: { wantList?: SessionWantList } }).bitswap?.wantList
      const broker = new ScoringBlockBroker(inner, this.retrieval, this.fetchTimeoutMs, this.log, (peer, cid) => this.wrongBlock(peer, cid), parts.split)
      this.broker = broker
      return broker
    })
    // Helia's own pins and gc, made safe: pins atomic and under the pin lock, gc exclusive
    helia.pins = new AtomicPins(helia.pins, parts.datastore, this.pinLock, { blockstore: helia.blockstore, getCodec: helia.getCodec })
    this.heliaGc = helia.gc.bind(helia)
    helia.gc = (options) => this.gc(options)
    this.fs = writeBehindUnixFS(unixfs({ blockstore: notFoundMappingBlocks(helia.blockstore) }), parts.blockstore)
    this.blocks = parts.blockstore
  }

  private readonly blocks: LmdbBlockstore
  /** Spreads a DAG's blocks over the hinted holders (only with provider hints). */
  private readonly split: HolderSplit | undefined
  /** The saved times per block, kept as loaded when there is no split to use them (a run without hints must not erase them). */
  private readonly savedTiming: Array<[string, ServiceTiming]>
  /** Blocks this node sent on block streams (not bitswap) since it was created. */
  blocksServedOnStreams = 0
  /** Asks hinted holders for blocks on one stream each (beside bitswap). */
  private readonly streams: BlockStreams
  /** Serves the block stream from the local store only, read as bitswap reads it (Helia's block store, offline). */
  private readonly localBlocks: LocalBlocks = {
    has: (cid) => this.helia.blockstore.has(cid),
    get: (cid) => collectBytes(this.helia.blockstore.get(cid, { offline: true })),
  }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => this.split?.remove(evt.detail.toString())

  /** Builds the node (see {@link createIpfsNode}); does not start it. */
  static async create(init: IpfsNodeInit): Promise<DefaultIpfsNode> {
    const opts = resolveIpfsNodeConfig(init)
    const repoPath = path.resolve(init.repoPath)
    const lock = acquireRepoLock(await ensureFolder(repoPath))
    let repo: LmdbRepo | undefined
    let host: Libp2p | undefined
    try {
      repo = LmdbRepo.open({ path: path.join(repoPath, REPO_DB_FOLDER), durability: opts.durability })
      const blockstore = new LmdbBlockstore(repo)
      const datastore = new LmdbDatastore(repo)
      const ownsHost = init.libp2p === undefined
      host =
        init.libp2p ??
        (await createLibp2pHost({
          peerKeyPath: path.join(repoPath, PEER_KEY_FILE),
          listen: opts.swarm,
          bootstrap: opts.bootstrap,
          dht: opts.dht,
          datastore,
        }))
      const dhtOn = ownsHost ? opts.dht !== false : 'dht' in host.services
      const withBitswap = await loadWithBitswap()
      const { createHeliaLight } = await loadCreateHeliaLight()
      const retrieval = new DefaultRetrievalScores({
        maxPeers: opts.maxScoredPeers,
        ...(init.peerWeight === undefined ? {} : { peerWeight: init.peerWeight }),
      })
      const saved = loadScores(repoPath)
      retrieval.restore(saved.peers)
      const wants: WantsBox = {}
      const streams = new BlockStreams(host, (peer, cid) => wants.onWrongBlock?.(peer, cid))
      const split =
        init.providerHints === undefined
          ? undefined
          : new HolderSplit(
              async (cid, peer, options) => {
                // the block stream first; bitswap for a peer that does not speak it
                const answer = await streams.want(cid, peer, options)
                if (answer !== undefined) return answer
                if (wants.wantList === undefined) throw new Error('bitswap has no want list')
                return wants.wantList.wantSessionBlock(cid, peer, options)
              },
              {
                score: (p) => retrieval.scoreOf(p),
                onMiss: (p) => retrieval.record(p, { ok: false }),
                ...(opts.holderStallMs === undefined ? {} : { stallMs: opts.holderStallMs }),
              },
            )
      split?.restoreTiming(saved.timing)
      const light = createHeliaLight({
        blockstore,
        datastore,
        codecs: [dagCbor, dagJson, json],
        hashers: [sha512],
        // Hinted holders (the chain's) come beside the DHT: bitswap dials what either yields.
        routers: [
          libp2pRouter(host, { dht: dhtOn }),
          ...(init.providerHints === undefined
            ? []
            : [
                hintRouter(host, init.providerHints, {
                  rank: (p) => retrieval.scoreOf(p),
                  onNamed: (p) => retrieval.noteNamedHolder(p),
                  onUnreachable: (p) => retrieval.record(p, { ok: false }),
                  onReachable: (p) => split?.add(p),
                  exclude: (p) => retrieval.isShunned(p),
                }),
              ]),
        ],
      })
      const helia = withHost(light, host, ownsHost)
      return new DefaultIpfsNode({
        helia,
        host,
        repo,
        lock,
        blockstore,
        datastore,
        retrieval,
        split,
        streams,
        savedTiming: saved.timing,
        wants,
        withBitswap,
        init: { ...opts, repoPath },
      })
    } catch (err) {
      if (host !== undefined && init.libp2p === undefined) {
        try {
          await host.stop()
        } catch {
          // already failing: the original error is the one to report
        }
      }
      await repo?.close().catch(() => {})
      lock.release()
      throw err
    }
  }

  /** Starts Helia (and the host if it is not running); after `stop()` it reopens the repo first. */
  start(): Promise<void> {
    return this.serially(async () => {
      if (this.running) return
      if (this.lock === undefined) this.lock = acquireRepoLock(this.repoPath)
      this.repo.reopen()
      await this.helia.start()
      this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
      await this.libp2p.handle(BLOCK_STREAM_PROTOCOL, (stream) => serveBlockStream(stream, this.localBlocks, () => this.blocksServedOnStreams++), {
        maxInboundStreams: MAX_BLOCK_STREAMS,
      })
      this.running = true
      // Saved now and then as well as at stop, so a kill -9 loses at most a minute of ranking.
      this.scoresTimer = setInterval(() => this.saveScores(), SCORES_SAVE_INTERVAL_MS)
      this.scoresTimer.unref()
      this.log.info({ peerId: this.libp2p.peerId.toString(), addrs: this.libp2p.getMultiaddrs().map(String), repo: this.repoPath }, 'ipfs node started')
    })
  }

  /** Stops Helia (and the host if the node owns it), waits for writes, closes the repo, releases its lock. */
  stop(): Promise<void> {
    return this.serially(async () => {
      if (!this.running && this.lock === undefined) return
      this.running = false
      clearInterval(this.scoresTimer)
      this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
      this.streams.close()
      await this.libp2p.unhandle(BLOCK_STREAM_PROTOCOL).catch(() => {})
      this.saveScores()
      try {
        await this.helia.stop()
      } finally {
        await this.repo.close()
        this.lock?.release()
        this.lock = undefined
        this.log.info({ repo: this.repoPath }, 'ipfs node stopped')
      }
    })
  }

  /** A peer sent a block that hashes to nothing asked for: it scores as a liar, and once shunned is hung up on. */
  private wrongBlock(peerId: string, cid: CID): void {
    this.retrieval.record(peerId, { ok: false, wrong: true })
    const shunned = this.retrieval.isShunned(peerId)
    this.log.warn({ peer: peerId, cid: cid.toString(), shunned }, 'a peer sent a block nobody asked for (corrupted or unasked): it ranks lower')
    if (!shunned) return
    this.split?.remove(peerId)
    const peer = this.libp2p.getPeers().find((p) => p.toString() === peerId)
    if (peer !== undefined) void this.libp2p.hangUp(peer).catch(() => {})
  }

  /** A holder's measured time per block in ms, as the holder split ranks it (undefined until timed, or without provider hints). */
  holderMsPerBlock(peerId: string): number | undefined {
    return this.split?.msPerBlock(peerId)
  }

  private saveScores(): void {
    try {
      saveScores(this.repoPath, { peers: this.retrieval.snapshot(), timing: this.split?.timing() ?? this.savedTiming })
    } catch (err) {
      this.log.warn({ err, repo: this.repoPath }, 'cannot save the retrieval scores (ranking starts afresh after a restart)')
    }
  }

  async repoStat(): Promise<RepoStat> {
    const stat = this.repo.stat()
    return {
      repoSize: BigInt(stat.blockBytes + stat.datastoreBytes),
      numObjects: BigInt(stat.blocks),
      storageMax: BigInt(this.storageMax),
      repoPath: this.repoPath,
      version: REPO_FORMAT_VERSION,
    }
  }

  gc(options?: GCOptions): Promise<void> {
    return this.pinLock.withExclusive(async () => {
      const before = this.repo.stat().blocks
      await this.heliaGc(options)
      this.log.info({ removed: before - this.repo.stat().blocks }, 'garbage collection done')
    })
  }

  writeBehind<T>(fn: () => Promise<T>): Promise<T> {
    return this.blocks.writeBehind(fn)
  }

  withPinLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.pinLock.withShared(fn)
  }

  async bitswapStat(): Promise<BitswapStat> {
    const peers = new Set<string>()
    for (const peer of this.libp2p.getPeers()) {
      try {
        const info = await this.libp2p.peerStore.get(peer)
        if (info.protocols.some((p) => p.startsWith(BITSWAP_PROTOCOL_PREFIX))) peers.add(peer.toString())
      } catch {
        // not in the peer store (yet): not known to speak bitswap
      }
    }
    const totals = this.retrieval.totals()
    return {
      wantlist: this.broker?.wantlist() ?? [],
      peers: [...peers],
      blocksReceived: totals.blocksReceived,
      dataReceived: totals.dataReceived,
      retrieval: this.retrieval.list(),
    }
  }

  /** Bytes of blocks this node's bitswap has sent to `peerId` since it started (its ledger of that peer). */
  bitswapSentTo(peerId: string): number {
    return this.broker?.sentTo(peerId) ?? 0
  }

  /** Resolves once every write acknowledged so far is flushed to disk (fsync). */
  flushed(): Promise<void> {
    return this.repo.flushed()
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step)
    this.transition = next.catch(() => {})
    return next
  }
}

/** Helia bitswap's want list, the part that asks one peer for one block. */
interface SessionWantList {
  wantSessionBlock(cid: CID, peer: PeerId, options: { signal: AbortSignal }): Promise<PeerAnswer>
}

/** Where the holder split finds bitswap's want list once bitswap exists (it is made when Helia starts). */
interface WantsBox {
  wantList?: SessionWantList | undefined
  /** The node's handler of a wrong block (set once the node exists; the block streams report to it). */
  onWrongBlock?: (peerId: string, cid: CID) => void
}

async function ensureFolder(folder: string): Promise<string> {
  try {
    await mkdir(folder, { recursive: true })
  } catch (err) {
    throw invalidOptions(`cannot create the repo folder ${folder}: ${(err as Error).message}`)
  }
  return folder
}

/**
 * Puts Helia on `host`: `helia.libp2p` is the host (as `@helia/libp2p` does), and a mixin starts the
 * host when Helia starts (if it is not running) and stops it with Helia only if the node owns it.
 */
function withHost(helia: Helia, host: Libp2p, ownsHost: boolean): HeliaOnHost {
  Object.defineProperty(helia, 'libp2p', { value: host, enumerable: true, configurable: true })
  helia.addMixin({
    name: 'libp2p',
    start: async () => {
      if (host.status !== 'started') await host.start()
    },
    stop: async () => {
      if (ownsHost) await host.stop()
    },
  })
  return helia as HeliaOnHost
}

/** Parameters of {@link createIpfsNode}. */
export type CreateIpfsNodeParameters = IpfsNodeInit
/** What {@link createIpfsNode} resolves to: an {@link IpfsNode} with the repo and lock exposed. */
export type CreateIpfsNodeReturnType = DefaultIpfsNode
/** Errors {@link createIpfsNode} can throw. */
export type CreateIpfsNodeErrorType = IpfsNodeError | RepoError | Libp2pHostError

/**
 * Opens (creating it on first use) the IPFS repo at `init.repoPath` and builds the node on it:
 * LMDB block store and datastore, the libp2p host (own or shared), Helia with bitswap. Starts it
 * unless `init.start` is false. Throws `IPFS_ERROR_INVALID_OPTIONS` for bad options,
 * `IPFS_ERROR_REPO_LOCKED` if another live process holds the repo, `IPFS_ERROR_REPO_OPEN_FAILED`
 * and `IPFS_ERROR_PEER_KEY_INVALID` for unusable files.
 */
export async function createIpfsNode(init: CreateIpfsNodeParameters): Promise<CreateIpfsNodeReturnType> {
  const node = await DefaultIpfsNode.create(init)
  if (init.start ?? defaultIpfsNodeOptions.start) {
    try {
      await node.start()
    } catch (err) {
      await node.stop().catch(() => {})
      throw err
    }
  }
  return node
}
