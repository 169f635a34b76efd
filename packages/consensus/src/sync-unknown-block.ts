/**
 * Unknown blocks: a block named by hash (a peer's head, a block others vote for) or an orphan (a
 * gossiped block whose parent is unknown) is fetched with its missing ancestors, down to a known
 * block, and the chain imported oldest first.
 *
 * Everything a peer can make this node hold is bounded: one fetch per unknown block at a time; at
 * most {@link MAX_ORPHAN_FETCHES} orphan fetches at once ({@link MAX_ORPHAN_FETCHES_PER_PEER} per
 * peer); at most {@link MAX_ORPHANS} orphans ({@link MAX_ORPHAN_BYTES}) waiting for them; a fetch
 * buffers at most {@link MAX_ANCESTOR_FETCH} blocks and {@link MAX_ANCESTOR_FETCH_BYTES}, each checked
 * to be the block asked for (hash and number) before it is kept. Orphans beyond these, or numbered
 * far above the best block, are dropped (headers-first sync catches up instead). A peer that serves
 * blocks other than those asked for is banned; one whose gossiped block's chain never links to ours
 * (it does not serve the ancestors, or they reach below the finalized block) is penalised.
 */
import { BlockImportError, type Chain, decodeHeader, type Header, hashHeader } from '@crust-ts/chain'
import { type Logger, TimeSlice } from '@crust-ts/base'
import type { PeerId } from '@libp2p/interface'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import {
  MAX_ANCESTOR_FETCH,
  MAX_ANCESTOR_FETCH_BYTES,
  MAX_BLOCKS_PER_RESPONSE,
  MAX_ORPHAN_BYTES,
  MAX_ORPHAN_FETCHES,
  MAX_ORPHAN_FETCHES_PER_PEER,
  MAX_ORPHAN_LEAD,
  MAX_ORPHANS,
  Penalty,
} from './constants.js'
import type { ChainNetwork } from './network.js'
import { SignaturesAhead } from './signatures-ahead.js'
import type { WireBlock } from './wire.js'

/** What {@link UnknownBlockSync} works with. */
export interface UnknownBlockSyncComponents {
  chain: Chain
  network: ChainNetwork
  log: Logger
  signal: AbortSignal
  /** Headers-first sync reports the highest header that passed the header checks. */
  verified?(number: number): void
}

export interface UnknownBlockSyncInit {
  /** Called when an orphan is too far above the best block to fetch by ancestors: a sync round should run. */
  syncNeeded?(): void
}

/** What {@link UnknownBlockSync} holds now (observability, tests). */
export interface UnknownBlockStats {
  /** Orphans waiting for their ancestors. */
  orphans: number
  /** Their bytes. */
  orphanBytes: number
  /** Ancestor fetches running (by hash and for orphans). */
  fetches: number
  /** Of those, orphan fetches. */
  orphanFetches: number
  /** Unverified blocks the running fetches buffer. */
  bufferedBlocks: number
  /** Orphans dropped so far (over the bounds, too far ahead, or their fetch failed). */
  droppedOrphans: number
}

/** How an ancestor fetch ended. */
type FetchOutcome =
  /** Linked to a known block and imported. */
  | 'imported'
  /** Linked, but a block did not import (its peer was penalised when the block was invalid). */
  | 'not-imported'
  /** The peer served no (further) ancestors, or they reached the finalized height without linking. */
  | 'unlinked'
  /** Deeper than the fetch bounds, or the request failed: no fault proven. */
  | 'gave-up'
  /** The peer served a block other than the one asked for (banned). */
  | 'mismatch'

interface Orphan {
  block: WireBlock
  peer: PeerId
  parent: string
  bytes: number
}

const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const headerOf = (block: WireBlock): Header | undefined => {
  try {
    return decodeHeader(block.header)
  } catch {
    return undefined
  }
}
const blockBytes = (block: WireBlock): number => block.header.length + block.extrinsics.reduce((n, x) => n + x.length, 0)

export class UnknownBlockSync {
  /** Fetches running, by the hash (0x hex) of the first missing block. */
  private readonly fetching = new Map<string, Promise<FetchOutcome>>()
  /** Orphan fetches running per peer (id). */
  private readonly orphanFetchesOf = new Map<string, number>()
  private orphanFetches = 0
  /** Orphans (by their hash) waiting for their parent to be fetched. */
  private readonly orphans = new Map<string, Orphan>()
  private orphanBytes = 0
  private buffered = 0
  private dropped = 0

  constructor(
    private readonly components: UnknownBlockSyncComponents,
    private readonly init: UnknownBlockSyncInit = {},
  ) {}

  stats(): UnknownBlockStats {
    return {
      orphans: this.orphans.size,
      orphanBytes: this.orphanBytes,
      fetches: this.fetching.size,
      orphanFetches: this.orphanFetches,
      bufferedBlocks: this.buffered,
      droppedOrphans: this.dropped,
    }
  }

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
    let done!: (outcome: FetchOutcome) => void
    this.fetching.set(hash, new Promise<FetchOutcome>((resolve) => (done = resolve)))
    let outcome: FetchOutcome = 'gave-up'
    try {
      const peers = network.peers()
      const ordered = from === undefined ? peers : [from, ...peers.filter((p) => !p.equals(from))]
      for (const peer of ordered) {
        if (signal.aborted || network.isBanned(peer)) continue
        outcome = await this.fetchChain(peer, bytes)
        if (outcome === 'imported') {
          log.debug({ hash, peer: peer.toString() }, 'fetched a block by hash')
          return true
        }
      }
      return chain.blockByHash(bytes) !== undefined
    } finally {
      this.fetching.delete(hash)
      done(outcome)
    }
  }

  /**
   * Takes a gossiped block whose parent is unknown: it waits (bounded) while its parent and the
   * missing ancestors are fetched from `peer` (one fetch per unknown parent), then is imported.
   * Resolves to whether it was imported.
   */
  async connectOrphan(peer: PeerId, block: WireBlock): Promise<boolean> {
    const { chain, log } = this.components
    const header = headerOf(block)
    if (header === undefined) return false
    const { number } = header
    const parent = u8aToHex(header.parentHash)
    const hash = u8aToHex(hashHeader(block.header))
    if (this.orphans.has(hash) || chain.blockByHash(hexToU8a(hash)) !== undefined) return false
    // Below the finalized block it can never be imported; far above the best block, headers-first
    // sync (verified headers) catches up instead of a deep ancestor fetch.
    if (number <= chain.finalized.number) return this.drop()
    if (number > chain.best.number + MAX_ORPHAN_LEAD) {
      this.init.syncNeeded?.()
      return this.drop()
    }
    const bytes = blockBytes(block)
    if (this.orphans.size >= MAX_ORPHANS || this.orphanBytes + bytes > MAX_ORPHAN_BYTES) return this.drop()
    const waitsFor = this.waitingFor(parent)
    if (waitsFor === undefined) {
      // A new unknown parent: a fetch of its own, within the bounds.
      const id = peer.toString()
      const ofPeer = this.orphanFetchesOf.get(id) ?? 0
      if (this.orphanFetches >= MAX_ORPHAN_FETCHES || ofPeer >= MAX_ORPHAN_FETCHES_PER_PEER) return this.drop()
      this.hold({ block, peer, parent, bytes }, hash)
      this.orphanFetches++
      this.orphanFetchesOf.set(id, ofPeer + 1)
      let done!: (outcome: FetchOutcome) => void
      const fetch = new Promise<FetchOutcome>((resolve) => (done = resolve))
      this.fetching.set(parent, fetch)
      let outcome: FetchOutcome = 'gave-up'
      try {
        outcome = await this.importAncestry(peer, hexToU8a(parent), number - 1)
      } catch (err) {
        log.debug({ err, peer: id }, 'orphan ancestors not fetched')
      } finally {
        this.fetching.delete(parent)
        this.orphanFetches--
        const left = (this.orphanFetchesOf.get(id) ?? 1) - 1
        if (left === 0) this.orphanFetchesOf.delete(id)
        else this.orphanFetchesOf.set(id, left)
        done(outcome)
      }
      if (outcome === 'unlinked') await this.components.network.penalise(peer, 'gossiped a block whose chain does not link to ours', Penalty.FALSE_CLAIM)
      if (outcome === 'gave-up') this.init.syncNeeded?.()
    } else {
      // Its parent is being fetched already (or waits itself): wait behind it.
      this.hold({ block, peer, parent, bytes }, hash)
      await waitsFor
    }
    this.settle()
    return chain.blockByHash(hexToU8a(hash)) !== undefined
  }

  /** The fetch `parent` waits for: its own, or (when it is a waiting orphan) its ancestor's. */
  private waitingFor(parent: string): Promise<FetchOutcome> | undefined {
    let at = parent
    for (let i = 0; i <= MAX_ORPHANS; i++) {
      const fetch = this.fetching.get(at)
      if (fetch !== undefined) return fetch
      const orphan = this.orphans.get(at)
      if (orphan === undefined) return undefined
      at = orphan.parent
    }
    return undefined
  }

  private hold(orphan: Orphan, hash: string): void {
    this.orphans.set(hash, orphan)
    this.orphanBytes += orphan.bytes
  }

  private release(hash: string): void {
    const orphan = this.orphans.get(hash)
    if (orphan === undefined) return
    this.orphans.delete(hash)
    this.orphanBytes -= orphan.bytes
  }

  private drop(): false {
    this.dropped++
    return false
  }

  /**
   * Imports the waiting orphans whose parent is known now (children after parents), and drops
   * those whose parent is neither known, nor being fetched, nor waiting itself.
   */
  private settle(): void {
    const { chain, network } = this.components
    for (let progress = true; progress; ) {
      progress = false
      for (const [hash, orphan] of this.orphans) {
        if (chain.blockByHash(hexToU8a(orphan.parent)) === undefined) continue
        this.release(hash)
        progress = true
        try {
          chain.importBlock(orphan.block.header, orphan.block.extrinsics)
        } catch (err) {
          if (err instanceof BlockImportError && err.invalid) void network.penalise(orphan.peer, err.code)
        }
      }
    }
    for (const [hash, orphan] of this.orphans) {
      if (this.waitingFor(orphan.parent) !== undefined) continue
      this.release(hash)
      this.dropped++
    }
  }

  /** Fetches block `hash` and its ancestors from `peer` down to a known block, and imports them. */
  private async fetchChain(peer: PeerId, hash: Uint8Array): Promise<FetchOutcome> {
    if (this.components.chain.blockByHash(hash) !== undefined) return 'imported'
    try {
      return await this.importAncestry(peer, hash, undefined)
    } catch (err) {
      this.components.log.debug({ err, hash: u8aToHex(hash), peer: peer.toString() }, 'block fetch failed')
      return 'gave-up'
    }
  }

  /**
   * Fetches the unknown block `hash` (numbered `number`, when known) and its ancestors from `peer`,
   * down to a known block, within the fetch bounds, then imports them oldest first. Each block
   * fetched must be the one asked for: its hash, and the number below its child's.
   */
  private async importAncestry(peer: PeerId, hash: Uint8Array, number: number | undefined): Promise<FetchOutcome> {
    const { chain, network, signal } = this.components
    const missing: WireBlock[] = []
    let bytes = 0
    let want = hash
    let wantNumber = number
    try {
      while (chain.blockByHash(want) === undefined) {
        if (signal.aborted) return 'gave-up'
        // Not known and at or below the finalized height: it can never link.
        if (wantNumber !== undefined && wantNumber <= chain.finalized.number) return 'unlinked'
        if (missing.length >= MAX_ANCESTOR_FETCH || bytes >= MAX_ANCESTOR_FETCH_BYTES) return 'gave-up'
        const max = Math.min(MAX_BLOCKS_PER_RESPONSE, MAX_ANCESTOR_FETCH - missing.length)
        const ancestors = await network.requestAncestors(peer, want, max, signal)
        if (ancestors.length === 0) return 'unlinked'
        for (const block of ancestors) {
          const header = headerOf(block)
          if (header === undefined || u8aToHex(hashHeader(block.header)) !== u8aToHex(want) || (wantNumber !== undefined && header.number !== wantNumber)) {
            await network.penalise(peer, 'served a block other than the one asked for')
            return 'mismatch'
          }
          missing.push(block)
          this.buffered++
          bytes += blockBytes(block)
          want = header.parentHash
          wantNumber = header.number - 1
          if (chain.blockByHash(want) !== undefined || wantNumber < chain.finalized.number || bytes >= MAX_ANCESTOR_FETCH_BYTES) break
        }
      }
      const slice = new TimeSlice()
      const oldestFirst = missing.reverse()
      const ahead = new SignaturesAhead(chain, oldestFirst)
      for (const [i, b] of oldestFirst.entries()) {
        await ahead.before(i)
        if (signal.aborted) return 'gave-up'
        try {
          chain.importBlock(b.header, b.extrinsics)
        } catch (err) {
          if (err instanceof BlockImportError && err.invalid) await network.penalise(peer, err.code)
          return 'not-imported'
        }
        await slice.pause()
        // The turn may have been the node's shutdown: nothing is imported after the abort.
        if (signal.aborted) return 'gave-up'
      }
      return 'imported'
    } finally {
      this.buffered -= missing.length
    }
  }
}
