/**
 * The storage node's own chain node: a follower {@link ChainNode} (no authoring, no votes) with a
 * {@link ConsensusNode} that imports the network's gossiped blocks, syncs from peers, follows
 * finality through the validators' votes and justifications, and gossips the transactions
 * submitted to its RPC (the sWorker's work reports, the sManager's calls) to the validators.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ChainNode, type ChainSpec, ChainSpecError, genesisAuthorities, loadChainSpec, parseStatePruning } from '@crust-ts/chain'
import type { ComponentLogger } from '@crust-ts/base'
import { type ConsensusHost, ConsensusNode } from '@crust-ts/consensus'
import { type EmbeddedChainConfig, NodeConfigError } from './config.js'
import { bootnodePeerIds, type PeerHead, syncTarget } from './sync-target.js'

/** How often the node asks its peers for their head while it catches up. */
const SYNC_POLL_MS = 250
/** How long one status request to a peer may take before that peer is skipped for the round. */
const STATUS_TIMEOUT_MS = 5000
/** How often a node still waiting for its peers says so. */
const WAIT_LOG_MS = 10_000

/** `dev`, `local`, or a chain spec JSON file (an unreadable one is a config error). */
export async function loadEmbeddedChainSpec(spec: string): Promise<ChainSpec> {
  try {
    return await loadChainSpec(spec)
  } catch (err) {
    if (err instanceof ChainSpecError && err.code === 'SPEC_ERROR_UNREADABLE') throw new NodeConfigError(`chain.spec: ${err.message}`, { spec })
    throw err
  }
}

export interface EmbeddedChainInit {
  /** The storage node's data folder (the chain database goes to `<basePath>/chain`). */
  basePath: string
  /** A host built with `consensusServices()`: the IPFS node's, or the node's own. */
  host: ConsensusHost
  logger: ComponentLogger
}

export interface ChainHead {
  best: number
  finalized: number
}

export class EmbeddedChain {
  private rpcUrl: string | undefined

  private constructor(
    readonly chainNode: ChainNode,
    readonly consensus: ConsensusNode,
    private readonly logger: ComponentLogger,
    /** The bootnodes' peer ids: only their answers say how far the network is (see sync-target.ts). */
    private readonly bootnodes: ReadonlySet<string>,
  ) {}

  /** Opens the chain database and wires the follower (nothing runs until {@link start}). */
  static async create(config: EmbeddedChainConfig, init: EmbeddedChainInit): Promise<EmbeddedChain> {
    const spec = await loadEmbeddedChainSpec(config.spec)
    const chainNode = await ChainNode.create({
      spec,
      basePath: init.basePath,
      rpc: { host: config.rpcHost, port: config.rpcPort },
      blockTimeMs: config.blockTimeMs,
      author: false,
      finality: 'external',
      // As `crust node` runs a single-authority chain (dev): its genesis validator authors throughout.
      ...(spec.genesis.authorities.length === 1 ? { authorities: genesisAuthorities(spec) } : {}),
      pruning: parseStatePruning(config.pruning),
      logger: init.logger,
    })
    try {
      const consensus = ConsensusNode.create({ chainNode, host: init.host, logger: init.logger })
      return new EmbeddedChain(chainNode, consensus, init.logger, bootnodePeerIds(config.bootnodes))
    } catch (err) {
      await chainNode.stop().catch(() => {})
      throw err
    }
  }

  /** Its JSON-RPC URL (after {@link start}). */
  get rpc(): string {
    if (this.rpcUrl === undefined) throw new Error('the embedded chain node has not started')
    return this.rpcUrl
  }

  /** Starts the RPC server, then the p2p side (gossip, sync, finality); resolves with the RPC URL. */
  async start(): Promise<string> {
    const { rpc } = await this.chainNode.start()
    this.rpcUrl = `ws://${rpc.host}:${rpc.port}`
    try {
      await this.consensus.start()
    } catch (err) {
      await this.chainNode.stop().catch(() => {})
      throw err
    }
    return this.rpcUrl
  }

  /** The node's own head. */
  head(): ChainHead {
    const { chain } = this.chainNode
    return { best: chain.best.number, finalized: chain.finalized.number }
  }

  /**
   * Resolves once the node is within one block of the best and of the finalized block its peers on
   * the same chain report (asked afresh each round, so a growing chain does not outrun it), one of
   * them a bootnode: a peer that is starting too knows no more than genesis.
   */
  async waitSynced(signal: AbortSignal): Promise<ChainHead> {
    const log = this.logger.forComponent('node:chain')
    const { chain } = this.chainNode
    const network = this.consensus.network
    let lastLog = Date.now()
    let lastBest = -1
    for (;;) {
      signal.throwIfAborted()
      const asked = await Promise.all(
        network.peers().map(async (peer): Promise<PeerHead | undefined> => {
          const status = await network.requestStatus(peer, AbortSignal.any([signal, AbortSignal.timeout(STATUS_TIMEOUT_MS)])).catch(() => undefined)
          if (status === undefined || status.genesis !== chain.genesis.hashHex) return undefined
          return { peer: peer.toString(), best: status.best.number, finalized: status.finalized?.number ?? 0 }
        }),
      )
      const same = asked.filter((s) => s !== undefined)
      const target = syncTarget(same, this.bootnodes)
      if (target !== undefined) {
        if (chain.best.number + 1 >= target.best && chain.finalized.number + 1 >= target.finalized) return this.head()
        this.consensus.sync.trigger()
        if (Date.now() - lastLog >= WAIT_LOG_MS) {
          lastLog = Date.now()
          const head = { best: chain.best.number, finalized: chain.finalized.number, peerBest: target.best, peerFinalized: target.finalized }
          // No progress in a whole interval: the peers' blocks do not import here.
          if (chain.best.number === lastBest)
            log.warn(head, "the network's blocks do not import: is the block time (--block-time, the Aura slot length) the validators'?")
          else log.info(head, 'catching up with the network')
          lastBest = chain.best.number
        }
      } else if (Date.now() - lastLog >= WAIT_LOG_MS) {
        lastLog = Date.now()
        log.info({ peers: network.peers().length, chainPeers: same.length }, 'waiting for a bootnode (a validator the node was given) to answer')
      }
      await sleep(SYNC_POLL_MS, undefined, { signal })
    }
  }

  /** Stops the p2p side, then the chain node (its RPC and database). */
  async stop(): Promise<void> {
    await this.consensus.stop()
    await this.chainNode.stop()
  }
}
