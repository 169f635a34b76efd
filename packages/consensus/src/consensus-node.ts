/**
 * A chain node on the network: gossip, sync and (for a validator key) Aura slot authoring, wired
 * around a {@link ChainNode} created with `author: false, finality: 'external'`.
 */
import { type BlockRecord, type ChainNode, type ImportedBlock, signerFromUri, staking } from '@crust-ts/chain'
import { setTimeout as delay } from 'node:timers/promises'
import type { ComponentLogger } from '@crust-ts/base'
import { createLibp2pHost } from '@crust-ts/p2p'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { u8aToHex } from '@polkadot/util'
import { type DEFAULT_STATE_SYNC_MIN_LEAD, SYNC_INTERVAL_MS } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import { ChainNetwork, type ConsensusHost, consensusServices } from './network.js'
import { PeerGate } from './peer-gate.js'
import { EquivocationReporter } from './equivocation-reporter.js'
import { FinalityGadget } from './finality/gadget.js'
import { HeartbeatSender } from './heartbeat-sender.js'
import { SlotAuthor } from './slot-author.js'
import { StateSyncCarry, type StateSyncOptions, syncState } from './state-sync.js'
import { ChainSync } from './sync.js'

/** See {@link ConsensusNodeInit.sync}. */
export type SyncMode = 'full' | 'state'

export interface ConsensusNodeInit {
  /** The chain node (its chain, pool and RPC); created with `author: false` and `finality: 'external'`. */
  chainNode: ChainNode
  /** A `@crust-ts/p2p` host built with {@link consensusServices} (shared with the IPFS node, or one from {@link createConsensusHost}). */
  host: ConsensusHost
  /**
   * The validator's sr25519 secret URI (e.g. `//Alice//stash`): it signs equivocation reports and
   * serves as session key for every role (the genesis validators' session keys); the node also
   * authors and votes with the session keys in its keystore. Without it the node follows only.
   */
  validatorKey?: string
  /**
   * Refuse a validator key that is not in the current authority set (default false: a candidate
   * waits, and starts authoring and voting once an era elects it).
   */
  strictAuthority?: boolean
  /** Test only: the validator seals two different blocks for each of its slots (see {@link SlotAuthorInit.equivocate}). */
  equivocate?: boolean
  /** Test only: the validator's clock is off by this many milliseconds (see {@link SlotAuthorInit.clockOffsetMs}). */
  clockOffsetMs?: number
  /**
   * How a node with an empty chain (genesis only) catches up: `full` (default) imports every block
   * by executing it; `state` proves a peer's finalized block final and downloads the state at it
   * ({@link syncState}), then executes only the blocks after it. Sync, finality and authoring start
   * once the state is installed, or once no peer is {@link DEFAULT_STATE_SYNC_MIN_LEAD} blocks ahead.
   */
  sync?: SyncMode
  /** `sync: 'state'`: see {@link StateSyncOptions.minLead}. */
  stateSyncMinLead?: number
  logger: ComponentLogger
}

export class ConsensusNode {
  readonly network: ChainNetwork
  readonly sync: ChainSync
  readonly author: SlotAuthor | undefined
  readonly finality: FinalityGadget
  /** Reports equivocations on chain (validators only). */
  readonly reporter: EquivocationReporter | undefined
  /** Sends the validator's ImOnline heartbeat each session (validators only). */
  readonly heartbeats: HeartbeatSender | undefined
  private startedHost = false
  private running = false
  /** Sync, finality and authoring started (after state sync, in `state` mode). */
  private servicesStarted = false
  private readonly stateSyncAbort = new AbortController()
  private stateSyncing: Promise<void> | undefined
  /** The block state sync installed, once it has. */
  stateSynced: BlockRecord | undefined
  private onBlock: ((imported: ImportedBlock) => void) | undefined
  private readonly onPeer = () => this.sync.trigger()

  private constructor(private readonly init: ConsensusNodeInit) {
    const { chainNode, host, logger } = init
    const { chain, pool } = chainNode
    this.network = new ChainNetwork({ host, chain, pool, logger })
    const validator = init.validatorKey === undefined ? undefined : signerFromUri(init.validatorKey)
    // The validator's account key is also its genesis session key (every role), kept in memory only;
    // keys from author_rotateKeys / author_insertKey are in the node's keystore.
    const keys = chainNode.keystore
    if (init.validatorKey !== undefined) for (const type of Object.values(staking.KEY_TYPES)) keys.addEphemeral(type, init.validatorKey)
    const blockTimeMs = chainNode.runtime.config.blockTimeMs
    const requestBlock = (hash: string, from?: PeerId) => void this.sync.requestBlock(hash, from)
    this.finality = new FinalityGadget({ chain, network: this.network, logger, requestBlock }, { blockTimeMs, ...(validator === undefined ? {} : { keys }) })
    // Votes wait for the gadget's start (after state sync, which moves the finalized block).
    this.network.voteHandler = (vote, peer) => (this.servicesStarted ? this.finality.onVote(vote, peer) : 'ignore')
    this.sync = new ChainSync({ chain, network: this.network, logger, importJustification: (bytes) => this.finality.importJustification(bytes) })
    if (validator === undefined) {
      this.author = undefined
      this.reporter = undefined
      this.heartbeats = undefined
      return
    }
    if (init.strictAuthority === true && !chain.authoritiesFor(chain.best).some((a) => keys.signer(staking.KEY_TYPES.aura, a) !== undefined)) {
      throw new ConsensusError(
        ConsensusErrorCode.NOT_AN_AUTHORITY,
        `the validator ${u8aToHex(validator.publicKey)} holds no Aura key of the chain's authorities`,
      )
    }
    this.author = new SlotAuthor(
      { chain, pool, logger, publish: (b) => this.network.publishBlock(b), behind: () => this.sync.behind },
      {
        keys,
        blockTimeMs,
        ...(init.equivocate === true ? { equivocate: true } : {}),
        ...(init.clockOffsetMs === undefined ? {} : { clockOffsetMs: init.clockOffsetMs }),
      },
    )
    const heartbeats = new HeartbeatSender({ chain, pool, runtime: chainNode.runtime, logger }, { validatorKey: init.validatorKey!, keys })
    this.heartbeats = heartbeats
    // After the block's own handlers (the pool's, sync's): a heartbeat is a transaction like any other.
    // On the best block as it is then, not the imported one: by then finality may have ruled that
    // one out and a pruned node discarded its state (a validator crashed on reading it).
    const heartbeatLog = logger.forComponent('consensus:heartbeat')
    this.onBlock = () => {
      setImmediate(() => {
        if (!this.running) return
        try {
          heartbeats.onBest(chain.best)
        } catch (err) {
          heartbeatLog.warn({ err }, 'no heartbeat on this block; the next best block tries again')
        }
      })
    }
    const reporter = new EquivocationReporter({ chain, pool, runtime: chainNode.runtime, logger }, { validatorKey: init.validatorKey!, keys })
    this.reporter = reporter
    chain.on('equivocation', (e) => reporter.reportBlocks(e))
    this.finality.on('equivocation', (first, second) => reporter.reportVotes(first, second))
  }

  /** Needs `cryptoWaitReady()` first (ChainNode.create does it). */
  static create(init: ConsensusNodeInit): ConsensusNode {
    return new ConsensusNode(init)
  }

  get host(): ConsensusHost {
    return this.init.host
  }

  /** Starts the host (unless already started by another part), the network, sync and authoring. */
  async start(): Promise<void> {
    const { host } = this.init
    if (host.status !== 'started') {
      await host.start()
      this.startedHost = true
    }
    await this.network.start()
    this.running = true
    if (this.init.sync === 'state' && this.init.chainNode.chain.best.number === 0) {
      this.stateSyncing = this.stateSyncThenStart()
      return
    }
    this.startServices()
  }

  /** State sync rounds every {@link SYNC_INTERVAL_MS} until the state is installed or not needed, then the services. */
  private async stateSyncThenStart(): Promise<void> {
    const { chainNode, logger } = this.init
    const log = logger.forComponent('consensus:state-sync')
    const signal = this.stateSyncAbort.signal
    log.info({}, 'state sync: waiting for peers')
    const carry = new StateSyncCarry()
    try {
      while (!signal.aborted) {
        const outcome = await syncState(
          { chain: chainNode.chain, network: this.network, log, signal },
          { carry, ...(this.init.stateSyncMinLead === undefined ? {} : { minLead: this.init.stateSyncMinLead }) },
        ).catch((err: unknown) => {
          log.warn({ err }, 'state sync round failed')
          return { status: 'retry' } as const
        })
        if (outcome.status === 'synced') this.stateSynced = outcome.block
        if (outcome.status !== 'retry') break
        await delay(SYNC_INTERVAL_MS, undefined, { signal }).catch(() => {})
      }
    } finally {
      carry.dispose()
    }
    if (!signal.aborted) this.startServices()
  }

  private startServices(): void {
    this.init.host.addEventListener('peer:identify', this.onPeer)
    this.sync.start()
    this.finality.start()
    this.author?.start()
    this.servicesStarted = true
    if (this.onBlock !== undefined) this.init.chainNode.chain.on('block', this.onBlock)
  }

  async stop(): Promise<void> {
    const { host } = this.init
    this.running = false
    this.stateSyncAbort.abort()
    await this.stateSyncing
    if (this.onBlock !== undefined) this.init.chainNode.chain.off('block', this.onBlock)
    this.author?.stop()
    this.finality.stop()
    host.removeEventListener('peer:identify', this.onPeer)
    await this.sync.stop()
    await this.network.stop()
    if (this.startedHost) await host.stop()
  }
}

export interface CreateConsensusHostInit {
  /** TCP listen multiaddrs, e.g. `/ip4/0.0.0.0/tcp/30333`. */
  listen: string[]
  /** Peers to dial at start (`.../p2p/<peer id>`); they are kept connected (reconnected after drops). */
  bootstrap?: string[]
  privateKey?: PrivateKey
  /** Peer key file when `privateKey` is absent (created on first start). */
  peerKeyPath?: string
  /**
   * The chain's peer gate, enforced by the host as its libp2p connection gater (bans and denied
   * peers cannot connect); a new one with the `'connection'` ban scope when absent.
   */
  gate?: PeerGate
}

/**
 * A `@crust-ts/p2p` host for a node that runs the chain without IPFS, its connections gated by the
 * chain's {@link PeerGate} (a node that shares its host with IPFS passes `consensusServices({ gate })`
 * and `gate.connectionGater` to `createLibp2pHost` itself).
 */
export async function createConsensusHost(init: CreateConsensusHostInit): Promise<ConsensusHost> {
  const gate = init.gate ?? new PeerGate()
  return createLibp2pHost({
    listen: init.listen,
    bootstrap: init.bootstrap ?? [],
    ...(init.privateKey === undefined ? {} : { privateKey: init.privateKey }),
    ...(init.peerKeyPath === undefined ? {} : { peerKeyPath: init.peerKeyPath }),
    services: consensusServices({ gate }),
    connectionGater: gate.connectionGater,
  })
}
