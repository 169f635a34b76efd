/**
 * The chain: blocks, their state, and block production on top of the best block. One atomic
 * database write per block (header, body, new trie nodes, indices, best/finalized pointers), so a
 * crash at any moment leaves the last imported block intact.
 */
import { EventEmitter } from 'node:events'
import { u8aToHex } from '@polkadot/util'
import type { ChainDatabase } from '../db/index.js'
import { CrustError } from '../errors/crust-error.js'
import { Now } from '../pallets/timestamp.js'
import { type ApplyOutcome, BlockExecutor } from '../runtime/executive.js'
import type { DecodedExtrinsic } from '../runtime/extrinsic.js'
import { OverlayState } from '../runtime/overlay.js'
import type { Runtime } from '../runtime/runtime.js'
import type { ChainSpec } from '../spec/chain-spec.js'
import { buildGenesisState } from '../spec/genesis.js'
import { EMPTY_TRIE_ROOT, MerkleTrie } from '../state/index.js'
import { decodeBody, decodeHeader, encodeBody, encodeHeader, extrinsicsRoot, type Header, hashHeader } from './header.js'

export interface BlockRecord {
  hash: Uint8Array
  hashHex: string
  header: Header
  number: number
}

/** Read-only state at one block. */
export interface StateView {
  readonly root: Uint8Array
  get(key: Uint8Array): Uint8Array | undefined
  /** Keys under `prefix`, ascending, after `startAfter`, at most `limit`. */
  keys(prefix: Uint8Array, limit: number, startAfter?: Uint8Array): Uint8Array[]
}

export interface ImportedBlock {
  block: BlockRecord
  extrinsics: Uint8Array[]
  /** Storage keys (hex) this block changed. */
  changedKeys: Set<string>
  /** The transactions offered to the block that were applied, with their outcome. */
  applied: Array<{ xt: DecodedExtrinsic; outcome: ApplyOutcome }>
}

/** A pool-side source of transactions: yields candidates; told when one cannot go in. */
export interface TransactionSource {
  [Symbol.iterator](): Iterator<DecodedExtrinsic>
  /** The candidate just yielded was not included (its sender's later nonces cannot follow). */
  reject?(xt: DecodedExtrinsic, outcome: ApplyOutcome): void
}

export class ChainError extends CrustError {}

const META_BEST = 'best'
const META_FINALIZED = 'finalized'
const META_GENESIS = 'genesis'

export interface ChainEvents {
  block: [ImportedBlock]
  finalized: [BlockRecord]
}

export class Chain extends EventEmitter<ChainEvents> {
  readonly trie: MerkleTrie
  private bestBlock: BlockRecord
  private finalizedBlock: BlockRecord
  readonly genesis: BlockRecord
  private readonly headerCache = new Map<string, BlockRecord>()

  private constructor(
    readonly db: ChainDatabase,
    readonly runtime: Runtime,
    trie: MerkleTrie,
    genesis: BlockRecord,
    best: BlockRecord,
    finalized: BlockRecord,
  ) {
    super()
    this.trie = trie
    this.genesis = genesis
    this.bestBlock = best
    this.finalizedBlock = finalized
  }

  /** Opens the chain in `db`, writing genesis from `spec` if the database is new. */
  static open(db: ChainDatabase, runtime: Runtime, spec: ChainSpec): Chain {
    const trie = new MerkleTrie(db, { cacheSize: 50_000 })
    const genesis = Chain.genesisBlock(runtime, spec, trie)
    const stored = db.getMeta(META_GENESIS)
    if (stored === undefined) {
      db.commitBlock({
        block: { hash: genesis.block.hash, number: 0, header: genesis.headerBytes, body: encodeBody([]) },
        nodes: genesis.nodes,
        canonical: true,
        meta: { [META_GENESIS]: genesis.block.hash, [META_BEST]: genesis.block.hash, [META_FINALIZED]: genesis.block.hash },
      })
    } else if (u8aToHex(stored) !== genesis.block.hashHex) {
      throw new ChainError(
        'CHAIN_ERROR_GENESIS_MISMATCH',
        `the data folder holds another chain (genesis ${u8aToHex(stored)}, this spec's is ${genesis.block.hashHex}): use another --base-path or remove it`,
      )
    }
    const load = (key: string): BlockRecord => {
      const hash = db.getMeta(key)
      const header = hash === undefined ? undefined : db.getHeader(hash)
      if (hash === undefined || header === undefined) throw new ChainError('CHAIN_ERROR_CORRUPT', `the database has no ${key} block`)
      return Chain.record(hash, decodeHeader(header))
    }
    return new Chain(db, runtime, trie, genesis.block, load(META_BEST), load(META_FINALIZED))
  }

  private static genesisBlock(runtime: Runtime, spec: ChainSpec, trie: MerkleTrie) {
    const overlay = new OverlayState(() => undefined)
    buildGenesisState(spec, runtime.config, overlay)
    const { root, nodes } = trie.commit(EMPTY_TRIE_ROOT, overlay.drain())
    const header: Header = { parentHash: new Uint8Array(32), number: 0, stateRoot: root, extrinsicsRoot: extrinsicsRoot([]), digest: [] }
    const headerBytes = encodeHeader(header)
    return { block: Chain.record(hashHeader(headerBytes), header), headerBytes, nodes }
  }

  private static record(hash: Uint8Array, header: Header): BlockRecord {
    return { hash, hashHex: u8aToHex(hash), header, number: header.number }
  }

  get best(): BlockRecord {
    return this.bestBlock
  }

  get finalized(): BlockRecord {
    return this.finalizedBlock
  }

  /** A block's header by hash (any imported block). */
  blockByHash(hash: Uint8Array): BlockRecord | undefined {
    const hex = u8aToHex(hash)
    const cached = this.headerCache.get(hex)
    if (cached !== undefined) return cached
    const bytes = this.db.getHeader(hash)
    if (bytes === undefined) return undefined
    const record = Chain.record(hash, decodeHeader(bytes))
    if (this.headerCache.size > 4096) this.headerCache.clear()
    this.headerCache.set(hex, record)
    return record
  }

  /** The canonical block hash at `number`. */
  hashAt(number: number): Uint8Array | undefined {
    if (number === this.bestBlock.number) return this.bestBlock.hash
    return this.db.getCanonicalHash(number)
  }

  /** A block's extrinsics, each exactly as submitted. */
  extrinsicsOf(hash: Uint8Array): Uint8Array[] | undefined {
    const body = this.db.getBody(hash)
    return body === undefined ? undefined : decodeBody(body)
  }

  stateAt(block: BlockRecord = this.bestBlock): StateView {
    const root = block.header.stateRoot
    const trie = this.trie
    return {
      root,
      get: (key) => trie.get(root, key),
      keys: (prefix, limit, startAfter) => trie.keys(root, prefix, limit, startAfter),
    }
  }

  /**
   * Builds a block on the best block from the timestamp inherent and `source`'s transactions and
   * imports it as the new best block. Single-authority finality: the parent becomes final in the
   * same write (there is no one to vote, so a block is final once the authority builds on it);
   * the multi-validator finality gadget replaces this rule later. Finality trailing the head by one
   * block, as GRANDPA's does, is also what lets clients observe `inBlock` before `finalized`.
   */
  produceBlock(author: Uint8Array, source: Iterable<DecodedExtrinsic> & Partial<Pick<TransactionSource, 'reject'>>, now = Date.now()): ImportedBlock {
    const parent = this.bestBlock
    const number = parent.number + 1
    const parentState = this.stateAt(parent)
    const overlay = new OverlayState((key) => parentState.get(key))
    const previous = Now.get(overlay)
    const minimumGap = BigInt(Math.floor(this.runtime.config.blockTimeMs / 2))
    const timestamp = previous === 0n || BigInt(now) >= previous + minimumGap ? BigInt(now) : previous + minimumGap
    const exec = new BlockExecutor(this.runtime, overlay, { number, parentHash: parent.hash, author, timestamp })
    exec.initialize()
    exec.applyInherents()
    const applied: ImportedBlock['applied'] = []
    for (const xt of source) {
      const outcome = exec.applySigned(xt)
      if (outcome.included) applied.push({ xt, outcome })
      else {
        applied.push({ xt, outcome })
        source.reject?.(xt, outcome)
        if (outcome.reason === 'full') break
      }
    }
    exec.finalize()
    const changes = overlay.drain()
    const { root, nodes } = this.trie.commit(parent.header.stateRoot, changes)
    const header: Header = {
      parentHash: parent.hash,
      number,
      stateRoot: root,
      extrinsicsRoot: extrinsicsRoot(exec.extrinsics),
      digest: [],
    }
    const headerBytes = encodeHeader(header)
    const block = Chain.record(hashHeader(headerBytes), header)
    this.db.commitBlock({
      block: { hash: block.hash, number, header: headerBytes, body: encodeBody(exec.extrinsics) },
      nodes,
      canonical: true,
      meta: { [META_BEST]: block.hash, [META_FINALIZED]: parent.hash },
    })
    this.bestBlock = block
    const finalizedChanged = this.finalizedBlock.hashHex !== parent.hashHex
    this.finalizedBlock = parent
    const imported: ImportedBlock = {
      block,
      extrinsics: exec.extrinsics,
      changedKeys: new Set(changes.map(([k]) => u8aToHex(k))),
      applied,
    }
    this.emit('block', imported)
    if (finalizedChanged) this.emit('finalized', parent)
    return imported
  }
}
