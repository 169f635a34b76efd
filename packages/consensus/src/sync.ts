/**
 * Sync: asks peers for their best block, downloads what this node misses in ranges and imports
 * each block (executing it); connects orphan gossiped blocks by fetching their ancestors. Runs on
 * start, when a peer connects, after an orphan, and every {@link SYNC_INTERVAL_MS}. A peer's best
 * block of the same height as ours but unknown here (another fork of equal length, e.g. after a
 * partition heals) is fetched too, so fork choice sees both heads; so are blocks others vote for
 * ({@link ChainSync.requestBlock}).
 */
import { BlockImportError, type Chain, decodeHeader, hashHeader } from '@crust-ts/chain'
import type { ComponentLogger, Logger } from '@crust-ts/chain/logger'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { MAX_ANCESTOR_FETCH, MAX_BLOCKS_PER_RESPONSE, MAX_JUSTIFICATIONS_PER_RESPONSE, SYNC_INTERVAL_MS } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'
import type { ChainNetwork } from './network.js'
import type { SyncStatus, WireBlock } from './wire.js'

export interface ChainSyncComponents {
  chain: Chain
  network: ChainNetwork
  logger: ComponentLogger
  /** Verifies and applies a peer's justification (the finality gadget); false when its block is unknown. */
  importJustification?(bytes: Uint8Array): boolean
}

export class ChainSync {
  private readonly log: Logger
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly abort = new AbortController()
  /** The highest best block number a peer reported in the last sync round. */
  private peerBest = 0
  /** Blocks being fetched by hash (0x hex). */
  private readonly fetching = new Set<string>()

  constructor(private readonly components: ChainSyncComponents) {
    this.log = components.logger.forComponent('consensus:sync')
  }

  start(): void {
    const { network } = this.components
    network.on('orphan', (peer, block) => {
      this.connectOrphan(peer, block).catch((err: unknown) => this.log.debug({ err }, 'orphan block not connected'))
    })
    this.timer = setInterval(() => this.trigger(), SYNC_INTERVAL_MS)
    this.timer.unref()
    this.trigger()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.abort.abort()
    await this.running?.catch(() => {})
  }

  /** Whether a peer has reported a best block more than one ahead of ours (authoring waits then). */
  get behind(): boolean {
    return this.peerBest > this.components.chain.best.number + 1
  }

  /** Runs a sync round now (or right after the current one). */
  trigger(): void {
    if (this.abort.signal.aborted) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.round()
      .catch((err: unknown) => this.log.debug({ err }, 'sync round failed'))
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.trigger()
        }
      })
  }

  /**
   * Fetches block `hash` (0x hex) and its missing ancestors, from `from` first, then from the other
   * peers; nothing when the block is known or already being fetched. Resolves to whether the
   * block is known afterwards.
   */
  async requestBlock(hash: string, from?: PeerId): Promise<boolean> {
    const { chain, network } = this.components
    if (!BLOCK_HASH.test(hash)) return false
    const bytes = hexToU8a(hash)
    if (chain.blockByHash(bytes) !== undefined) return true
    if (this.fetching.has(hash) || this.abort.signal.aborted) return false
    this.fetching.add(hash)
    try {
      const peers = network.peers()
      const ordered = from === undefined ? peers : [from, ...peers.filter((p) => !p.equals(from))]
      for (const peer of ordered) {
        if (this.abort.signal.aborted) return false
        try {
          if (await this.fetchChain(peer, bytes)) {
            this.log.debug({ hash, peer: peer.toString() }, 'fetched a block by hash')
            return true
          }
        } catch (err) {
          this.log.debug({ err, hash, peer: peer.toString() }, 'block fetch failed')
        }
      }
      return false
    } finally {
      this.fetching.delete(hash)
    }
  }

  /** Catches up with every peer that is ahead, one at a time. */
  private async round(): Promise<void> {
    const { chain, network } = this.components
    const signal = this.abort.signal
    let peerBest = 0
    for (const peer of network.peers()) {
      if (signal.aborted) return
      let status: SyncStatus
      try {
        status = await network.requestStatus(peer, signal)
      } catch {
        continue
      }
      if (status.genesis !== chain.genesis.hashHex) continue
      peerBest = Math.max(peerBest, status.best.number)
      this.peerBest = Math.max(this.peerBest, peerBest)
      // Another head of the same height: fetch it, fork choice decides between the two.
      if (status.best.number === chain.best.number && status.best.hash !== chain.best.hashHex) await this.requestBlock(status.best.hash, peer)
      if (status.best.number <= chain.best.number) {
        if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number, signal)
        continue
      }
      const started = chain.best.number
      while (!signal.aborted && chain.best.number < status.best.number) {
        const from = chain.best.number + 1
        const blocks = await network.requestRange(peer, from, MAX_BLOCKS_PER_RESPONSE, signal)
        if (blocks.length === 0) break
        const before = chain.best.hashHex
        for (const block of blocks) if (!(await this.importFrom(peer, block))) break
        if (chain.best.hashHex === before) break
      }
      if (chain.best.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.best.number }, 'synced blocks')
      if ((status.finalized?.number ?? 0) > chain.finalized.number) await this.syncFinality(peer, status.finalized.number, signal)
    }
    this.peerBest = peerBest
  }

  /** Fetches and applies `peer`'s justifications above this node's finalized block, in order. */
  private async syncFinality(peer: PeerId, peerFinalized: number, signal: AbortSignal): Promise<void> {
    const { chain, network, importJustification } = this.components
    if (importJustification === undefined) return
    const started = chain.finalized.number
    while (!signal.aborted && chain.finalized.number < peerFinalized) {
      const before = chain.finalized.number
      const batch = await network.requestJustifications(peer, before + 1, MAX_JUSTIFICATIONS_PER_RESPONSE, signal)
      for (const bytes of batch) {
        try {
          if (!importJustification(bytes)) break
        } catch (err) {
          if (err instanceof ConsensusError && err.code === ConsensusErrorCode.BAD_JUSTIFICATION) await network.penalise(peer, err.code)
          else this.log.debug({ err }, 'justification not applied')
          return
        }
      }
      if (chain.finalized.number === before) break
    }
    if (chain.finalized.number > started) this.log.info({ peer: peer.toString(), from: started, to: chain.finalized.number }, 'synced finality')
  }

  /**
   * Imports a peer's block; an unknown parent makes it fetch the missing ancestors from that peer.
   * Returns false when the block could not be imported.
   */
  private async importFrom(peer: PeerId, block: WireBlock): Promise<boolean> {
    const { chain, network } = this.components
    try {
      chain.importBlock(block.header, block.extrinsics)
      return true
    } catch (err) {
      if (!(err instanceof BlockImportError)) throw err
      if (err.code === 'BLOCK_IMPORT_ERROR_UNKNOWN_PARENT') return this.connectOrphan(peer, block)
      if (err.invalid) await network.penalise(peer, err.code)
      return false
    }
  }

  /** Fetches the ancestors of `block` from `peer` down to a known block, then imports them and it. */
  private connectOrphan(peer: PeerId, block: WireBlock): Promise<boolean> {
    return this.importChain(peer, [block])
  }

  /** Fetches block `hash` and its ancestors from `peer` down to a known block, and imports them. */
  private async fetchChain(peer: PeerId, hash: Uint8Array): Promise<boolean> {
    if (this.components.chain.blockByHash(hash) !== undefined) return true
    const [first] = await this.components.network.requestAncestors(peer, hash, 1, this.abort.signal)
    if (first === undefined || hashOf(first) !== u8aToHex(hash)) return false
    return this.importChain(peer, [first])
  }

  /**
   * Imports `missing` (descending, contiguous) after fetching their ancestors from `peer` down to
   * a known block.
   */
  private async importChain(peer: PeerId, missing: WireBlock[]): Promise<boolean> {
    const { chain, network } = this.components
    let parent = hexToU8a(parentHashOf(missing.at(-1)!))
    while (chain.blockByHash(parent) === undefined) {
      if (missing.length > MAX_ANCESTOR_FETCH) return false
      const ancestors = await network.requestAncestors(peer, parent, MAX_BLOCKS_PER_RESPONSE, this.abort.signal)
      if (ancestors.length === 0) return false
      for (const a of ancestors) {
        if (chain.blockByHash(hexToU8a(hashOf(a))) !== undefined) break
        missing.push(a)
      }
      parent = hexToU8a(parentHashOf(missing.at(-1)!))
      if (ancestors.length < MAX_BLOCKS_PER_RESPONSE && chain.blockByHash(parent) === undefined) return false
    }
    for (const b of missing.reverse()) {
      try {
        chain.importBlock(b.header, b.extrinsics)
      } catch (err) {
        if (err instanceof BlockImportError && err.invalid) await network.penalise(peer, err.code)
        return false
      }
    }
    return true
  }
}

const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const parentHashOf = (block: WireBlock): string => u8aToHex(decodeHeader(block.header).parentHash)
const hashOf = (block: WireBlock): string => u8aToHex(hashHeader(block.header))
