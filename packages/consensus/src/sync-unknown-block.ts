/**
 * Unknown blocks: a block named by hash (a peer's head, a block others vote for) or an orphan (a
 * gossiped block whose parent is unknown) is fetched with its missing ancestors, down to a known
 * block, and the chain imported oldest first.
 */
import { BlockImportError, type Chain, decodeHeader, hashHeader } from '@crust-ts/chain'
import type { Logger } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { MAX_ANCESTOR_FETCH, MAX_BLOCKS_PER_RESPONSE } from './constants.js'
import type { ChainNetwork } from './network.js'
import type { WireBlock } from './wire.js'

/** What {@link UnknownBlockSync} works with. */
export interface UnknownBlockSyncComponents {
  chain: Chain
  network: ChainNetwork
  log: Logger
  signal: AbortSignal
}

const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const parentHashOf = (block: WireBlock): string => u8aToHex(decodeHeader(block.header).parentHash)
const hashOf = (block: WireBlock): string => u8aToHex(hashHeader(block.header))

export class UnknownBlockSync {
  /** Blocks being fetched by hash (0x hex). */
  private readonly fetching = new Set<string>()

  constructor(private readonly components: UnknownBlockSyncComponents) {}

  /**
   * Fetches block `hash` (0x hex) and its missing ancestors, from `from` first, then from the other
   * peers; nothing when the block is known or already being fetched. Resolves to whether the
   * block is known afterwards.
   */
  async requestBlock(hash: string, from?: PeerId): Promise<boolean> {
    const { chain, network, log, signal } = this.components
    if (!BLOCK_HASH.test(hash)) return false
    const bytes = hexToU8a(hash)
    if (chain.blockByHash(bytes) !== undefined) return true
    if (this.fetching.has(hash) || signal.aborted) return false
    this.fetching.add(hash)
    try {
      const peers = network.peers()
      const ordered = from === undefined ? peers : [from, ...peers.filter((p) => !p.equals(from))]
      for (const peer of ordered) {
        if (signal.aborted) return false
        try {
          if (await this.fetchChain(peer, bytes)) {
            log.debug({ hash, peer: peer.toString() }, 'fetched a block by hash')
            return true
          }
        } catch (err) {
          log.debug({ err, hash, peer: peer.toString() }, 'block fetch failed')
        }
      }
      return false
    } finally {
      this.fetching.delete(hash)
    }
  }

  /** Fetches the ancestors of `block` from `peer` down to a known block, then imports them and it. */
  connectOrphan(peer: PeerId, block: WireBlock): Promise<boolean> {
    return this.importChain(peer, [block])
  }

  /** Fetches block `hash` and its ancestors from `peer` down to a known block, and imports them. */
  private async fetchChain(peer: PeerId, hash: Uint8Array): Promise<boolean> {
    if (this.components.chain.blockByHash(hash) !== undefined) return true
    const [first] = await this.components.network.requestAncestors(peer, hash, 1, this.components.signal)
    if (first === undefined || hashOf(first) !== u8aToHex(hash)) return false
    return this.importChain(peer, [first])
  }

  /**
   * Imports `missing` (descending, contiguous) after fetching their ancestors from `peer` down to
   * a known block.
   */
  private async importChain(peer: PeerId, missing: WireBlock[]): Promise<boolean> {
    const { chain, network, signal } = this.components
    let parent = hexToU8a(parentHashOf(missing.at(-1)!))
    while (chain.blockByHash(parent) === undefined) {
      if (missing.length > MAX_ANCESTOR_FETCH) return false
      const ancestors = await network.requestAncestors(peer, parent, MAX_BLOCKS_PER_RESPONSE, signal)
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
