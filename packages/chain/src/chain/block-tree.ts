/**
 * The block tree: every imported block by hash (headers from the database, a cache in front), the
 * canonical index, the best and finalized pointers, the leaves (fork heads) this process has seen,
 * and the state at any block. Reads only; {@link ChainStore} writes.
 */
import { u8aEq, u8aToHex } from '@polkadot/util'
import type { ChainDatabase } from '../db/index.js'
import { decodeBody, decodeHeader, type Header } from '../primitives/header.js'
import type { MerkleTrie } from '../state/index.js'
import { HEADER_CACHE } from './constants.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { isBetterHead } from './fork-choice.js'
import type { BlockRecord, StateView } from './interface.js'

/** The record of the block with `hash` and `header`. */
export function blockRecord(hash: Uint8Array, header: Header): BlockRecord {
  return { hash, hashHex: u8aToHex(hash), header, number: header.number }
}

export class BlockTree {
  /** Blocks without children (forks this process has seen, and the best block). */
  readonly leaves = new Map<string, BlockRecord>()
  private readonly headerCache = new Map<string, BlockRecord>()
  /** Pruned databases: the lowest block number whose state may still be kept. */
  stateFrom = 0

  constructor(
    readonly db: ChainDatabase,
    readonly trie: MerkleTrie,
    readonly genesis: BlockRecord,
    /** The head of the best chain. */
    public best: BlockRecord,
    /** The last finalized block. */
    public finalized: BlockRecord,
  ) {
    this.leaves.set(best.hashHex, best)
  }

  /** A block's header by hash (any imported block). */
  blockByHash(hash: Uint8Array): BlockRecord | undefined {
    const hex = u8aToHex(hash)
    const cached = this.headerCache.get(hex)
    if (cached !== undefined) return cached
    const bytes = this.db.getHeader(hash)
    if (bytes === undefined) return undefined
    const record = blockRecord(hash, decodeHeader(bytes))
    if (this.headerCache.size > HEADER_CACHE) this.headerCache.clear()
    this.headerCache.set(hex, record)
    return record
  }

  /** The canonical block hash at `number`. */
  hashAt(number: number): Uint8Array | undefined {
    if (number === this.best.number) return this.best.hash
    return this.db.getCanonicalHash(number)
  }

  /** A block's extrinsics, each exactly as submitted. */
  extrinsicsOf(hash: Uint8Array): Uint8Array[] | undefined {
    const body = this.db.getBody(hash)
    return body === undefined ? undefined : decodeBody(body)
  }

  /**
   * Whether the state of `block` is still stored: always in an archive database; in a pruned one,
   * for final blocks inside the kept window and for non-final blocks descending from the finalized one.
   */
  hasState(block: BlockRecord): boolean {
    if (this.db.stateMode === 'archive') return true
    if (block.number < this.stateFrom) return false
    if (block.hashHex === this.best.hashHex || block.hashHex === this.finalized.hashHex) return true
    if (block.number <= this.finalized.number) return this.isCanonical(block)
    return this.descendsFrom(block, this.finalized)
  }

  /** The state at `block`. Throws {@link ChainError} `STATE_DISCARDED` when it was pruned. */
  stateAt(block: BlockRecord): StateView {
    if (!this.hasState(block)) throw new ChainError(ChainErrorCode.STATE_DISCARDED, `State already discarded for ${block.hashHex}`)
    const root = block.header.stateRoot
    const trie = this.trie
    return {
      root,
      get: (key) => trie.get(root, key),
      keys: (prefix, limit, startAfter) => trie.keys(root, prefix, limit, startAfter),
    }
  }

  /** Whether `block` is on the best chain. */
  isCanonical(block: BlockRecord): boolean {
    const hash = this.hashAt(block.number)
    return hash !== undefined && u8aEq(hash, block.hash)
  }

  /** Whether `ancestor` is `block` or one of its ancestors (`ancestor` canonical makes this quick). */
  descendsFrom(block: BlockRecord, ancestor: BlockRecord): boolean {
    const ancestorCanonical = this.isCanonical(ancestor)
    let cur: BlockRecord | undefined = block
    while (cur !== undefined && cur.number > ancestor.number) {
      if (ancestorCanonical && this.isCanonical(cur)) return true
      cur = this.blockByHash(cur.header.parentHash)
    }
    return cur !== undefined && cur.hashHex === ancestor.hashHex
  }

  /**
   * The head of the best chain containing `block` (fork choice among the forks this process has
   * seen above it; `block` itself when none): the best block when it descends from `block`.
   */
  bestContaining(block: BlockRecord): BlockRecord {
    if (this.descendsFrom(this.best, block)) return this.best
    let best = block
    for (const leaf of this.leaves.values()) {
      if (isBetterHead(leaf, best) && this.descendsFrom(leaf, block)) best = leaf
    }
    return best
  }

  /** The blocks from just above the best chain up to `block` (lowest first), and the fork point. */
  routeTo(block: BlockRecord): { enacted: BlockRecord[]; forkNumber: number } {
    const enacted: BlockRecord[] = []
    let cur: BlockRecord | undefined = block
    while (cur !== undefined && !this.isCanonical(cur)) {
      enacted.push(cur)
      cur = this.blockByHash(cur.header.parentHash)
    }
    if (cur === undefined) throw new ChainError(ChainErrorCode.CORRUPT, `block ${block.hashHex} has no ancestor on the best chain`)
    return { enacted: enacted.reverse(), forkNumber: cur.number }
  }

  /** The best-chain blocks above `forkNumber` up to the best block, highest first. */
  retractedAbove(forkNumber: number): BlockRecord[] {
    const out: BlockRecord[] = []
    for (let n = this.best.number; n > forkNumber; n--) {
      const hash = this.hashAt(n)
      const block = hash === undefined ? undefined : this.blockByHash(hash)
      if (block !== undefined) out.push(block)
    }
    return out
  }
}
