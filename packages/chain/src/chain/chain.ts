/**
 * The chain: blocks, their state, block production on top of the best block, and import of blocks
 * from other authorities (Aura seal check, re-execution, fork choice). One atomic database write
 * per block (header, body, new trie nodes, indices, best/finalized pointers, canonical index
 * changes of a reorg), so a crash at any moment leaves the last imported block intact.
 */
import { EventEmitter } from 'node:events'
import { u8aEq, u8aToHex } from '@polkadot/util'
import type { CanonicalUpdate, ChainDatabase } from '../db/index.js'
import { CrustError } from '@crust-ts/base'
import { Account, BlockHash } from '../pallets/system.js'
import { Now } from '../pallets/timestamp.js'
import { decodeExact } from '../primitives/codec/decode.js'
import { eraBirth } from '../primitives/era.js'
import { type ApplyOutcome, BlockExecutor } from '../runtime/executive.js'
import { type DecodedExtrinsic, decodeExtrinsic, signingPayload, verifySignature } from '../frame/extrinsic.js'
import { OverlayState } from '../frame/overlay.js'
import type { Runtime } from '../runtime/runtime.js'
import type { ChainSpec } from '../spec/chain-spec.js'
import { buildGenesisState } from '../spec/genesis.js'
import { EMPTY_TRIE_ROOT, MerkleTrie } from '../state/index.js'
import { type AuthoritySet, genesisAuthorities, type VoterSet } from './authorities.js'
import { auraPreDigest, type BlockSigner, findSlot, sealHeader, slotAuthor, slotOf, unsealHeader, verifySeal } from '../primitives/aura.js'
import { BlockImportError, BlockImportErrorCode as Code, FinalityError } from './errors.js'
import { isBetterHead } from './fork-choice.js'
import { decodeBody, decodeHeader, encodeBody, encodeHeader, extrinsicsRoot, type Header, hashHeader, headerType } from '../primitives/header.js'

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

/**
 * How blocks become final:
 * - `author`: single authority; when the authority builds a block its parent is final (today's dev
 *   chain; finality trails the head by one block, as GRANDPA's does).
 * - `external`: only {@link Chain.finalize} finalizes (the finality gadget drives it).
 */
export type FinalityMode = 'author' | 'external'

/** Options of {@link Chain.open}. */
export interface ChainInit {
  finality?: FinalityMode
  /** Who authors which slot; default the spec's genesis authorities. */
  authorities?: AuthoritySet
  /** How many slots an imported block may be ahead of this node's clock; default 1. */
  maxSlotDrift?: number
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number
}

/** Options of {@link Chain.produceBlock}. */
export interface ProduceBlockOptions {
  /** Seal the block (Aura pre-runtime slot digest + seal); unsealed without it. */
  signer?: BlockSigner
  /** Build for this slot (the timestamp is moved into it); default the slot of the timestamp. */
  slot?: number
  /** Build on this block instead of the best block (tests: a second block for a slot, i.e. an equivocation). */
  parent?: BlockRecord
}

/** Two different blocks sealed by one author for one slot: the evidence of a block equivocation. */
export interface BlockEquivocation {
  slot: number
  /** The author's account id. */
  author: Uint8Array
  /** The two sealed headers, SCALE-encoded exactly as hashed (the earlier seen first). */
  first: Uint8Array
  second: Uint8Array
}

/** What {@link Chain.importBlock} did. */
export interface ImportResult {
  status: 'imported' | 'known'
  block: BlockRecord
  /** The block is now the best block. */
  best: boolean
}

/** The best chain switched: blocks leaving it (highest first) and joining it (lowest first). */
export interface Reorg {
  retracted: BlockRecord[]
  enacted: BlockRecord[]
}

const META_BEST = 'best'
const META_FINALIZED = 'finalized'
const META_GENESIS = 'genesis'

export interface ChainEvents {
  /** A new best block (for a reorg: each enacted block in order, after `reorg`). */
  block: [ImportedBlock]
  finalized: [BlockRecord]
  reorg: [Reorg]
  /** An author sealed two different blocks for one slot (seen at import or production). */
  equivocation: [BlockEquivocation]
}

/** How many recent slots {@link Chain} remembers the authored block of, to detect equivocations. */
const SLOT_CACHE = 256

const RECENT_IMPORTS = 512

export class Chain extends EventEmitter<ChainEvents> {
  readonly trie: MerkleTrie
  private bestBlock: BlockRecord
  private finalizedBlock: BlockRecord
  readonly genesis: BlockRecord
  private readonly headerCache = new Map<string, BlockRecord>()
  /** Blocks without children (forks this process has seen, and the best block). */
  private readonly leaves = new Map<string, BlockRecord>()
  /** Recently imported blocks that did not become best, for the `block` events of a later reorg. */
  private readonly recent = new Map<string, ImportedBlock>()
  readonly finality: FinalityMode
  readonly authorities: AuthoritySet
  private readonly maxSlotDrift: number
  private readonly clock: () => number
  /** Recent slots: the first sealed block seen for each (its author and header bytes). */
  private readonly slotBlocks = new Map<number, { author: Uint8Array; hashHex: string; headerBytes: Uint8Array }>()

  private constructor(
    readonly db: ChainDatabase,
    readonly runtime: Runtime,
    trie: MerkleTrie,
    genesis: BlockRecord,
    best: BlockRecord,
    finalized: BlockRecord,
    spec: ChainSpec,
    init: ChainInit,
  ) {
    super()
    this.trie = trie
    this.genesis = genesis
    this.bestBlock = best
    this.finalizedBlock = finalized
    this.leaves.set(best.hashHex, best)
    this.finality = init.finality ?? 'author'
    this.authorities = init.authorities ?? genesisAuthorities(spec)
    this.maxSlotDrift = init.maxSlotDrift ?? 1
    this.clock = init.clock ?? Date.now
  }

  /** Opens the chain in `db`, writing genesis from `spec` if the database is new. */
  static open(db: ChainDatabase, runtime: Runtime, spec: ChainSpec, init: ChainInit = {}): Chain {
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
    return new Chain(db, runtime, trie, genesis.block, load(META_BEST), load(META_FINALIZED), spec, init)
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

  /** An account's nonce (its count of applied transactions) in the state of `block`, default the best block. */
  accountNonce(who: Uint8Array, block: BlockRecord = this.bestBlock): number {
    return Account.get(this.stateAt(block), who).nonce
  }

  /** The block's Aura slot (undefined for genesis and unsealed blocks). */
  slotOf(block: BlockRecord): number | undefined {
    return findSlot(block.header)
  }

  /** The slot authors for blocks built on `parent` (from its state). */
  authoritiesFor(parent: BlockRecord): readonly Uint8Array[] {
    return this.authorities.authoritiesFor(parent, this.stateAt(parent))
  }

  /** The finality voters for the blocks built on `block` (from its state). */
  votersFor(block: BlockRecord): VoterSet {
    return this.authorities.votersFor(block, this.stateAt(block))
  }

  /** The finality justification stored with a finalized block, if any. */
  justificationOf(hash: Uint8Array): Uint8Array | undefined {
    return this.db.getJustification(hash)
  }

  /** Whether `ancestor` is `block` or one of its ancestors. */
  isAncestor(ancestor: BlockRecord, block: BlockRecord): boolean {
    return this.descendsFrom(block, ancestor)
  }

  /**
   * The head of the best chain containing `block` (fork choice among the forks this process has
   * seen above it; `block` itself when none): the best block when it descends from `block`.
   */
  bestContaining(block: BlockRecord): BlockRecord {
    if (this.descendsFrom(this.bestBlock, block)) return this.bestBlock
    let best = block
    for (const leaf of this.leaves.values()) {
      if (isBetterHead(leaf, best) && this.descendsFrom(leaf, block)) best = leaf
    }
    return best
  }

  /** Whether `block` is on the best chain. */
  isCanonical(block: BlockRecord): boolean {
    const hash = this.hashAt(block.number)
    return hash !== undefined && u8aEq(hash, block.hash)
  }

  /** The header bytes of a block, exactly as hashed. */
  headerBytesOf(hash: Uint8Array): Uint8Array | undefined {
    return this.db.getHeader(hash)
  }

  /**
   * Builds a block on the best block from the timestamp inherent and `source`'s transactions and
   * imports it as the new best block. With a `signer`, the block carries Aura's slot digest and
   * seal. In `author` finality the parent becomes final in the same write (there is no one to
   * vote, so a block is final once the authority builds on it). Finality trailing the head by one
   * block, as GRANDPA's does, is also what lets clients observe `inBlock` before `finalized`.
   */
  produceBlock(
    author: Uint8Array,
    source: Iterable<DecodedExtrinsic> & Partial<Pick<TransactionSource, 'reject'>>,
    now = Date.now(),
    options: ProduceBlockOptions = {},
  ): ImportedBlock {
    const parent = options.parent ?? this.bestBlock
    const number = parent.number + 1
    const parentState = this.stateAt(parent)
    const overlay = new OverlayState((key) => parentState.get(key))
    const blockTime = this.runtime.config.blockTimeMs
    const previous = Now.get(overlay)
    const minimumGap = BigInt(Math.floor(blockTime / 2))
    let timestamp = previous === 0n || BigInt(now) >= previous + minimumGap ? BigInt(now) : previous + minimumGap
    const parentSlot = findSlot(parent.header)
    let slot = slotOf(timestamp, blockTime)
    if (options.slot !== undefined) {
      if (parentSlot !== undefined && options.slot <= parentSlot) {
        throw new ChainError('CHAIN_ERROR_SLOT_NOT_INCREASING', `slot ${options.slot} is not after the best block's slot ${parentSlot}`)
      }
      if (timestamp < BigInt(options.slot * blockTime)) timestamp = BigInt(options.slot * blockTime)
      if (slotOf(timestamp, blockTime) !== options.slot) {
        throw new ChainError('CHAIN_ERROR_SLOT_PASSED', `slot ${options.slot} has passed (the earliest timestamp is in slot ${slotOf(timestamp, blockTime)})`)
      }
      slot = options.slot
    } else if (parentSlot !== undefined && slot <= parentSlot) {
      slot = parentSlot + 1
      timestamp = BigInt(slot * blockTime)
    }
    const exec = new BlockExecutor(this.runtime, overlay, { number, parentHash: parent.hash, author, timestamp })
    exec.initialize()
    exec.applyInherents()
    const applied: ImportedBlock['applied'] = []
    for (const xt of source) {
      const outcome = exec.applySigned(xt)
      applied.push({ xt, outcome })
      if (!outcome.included) {
        source.reject?.(xt, outcome)
        if (outcome.reason === 'full') break
      }
    }
    exec.finalize()
    const changes = overlay.drain()
    const { root, nodes } = this.trie.commit(parent.header.stateRoot, changes)
    let header: Header = {
      parentHash: parent.hash,
      number,
      stateRoot: root,
      extrinsicsRoot: extrinsicsRoot(exec.extrinsics),
      digest: options.signer === undefined ? [] : [auraPreDigest(slot)],
    }
    if (options.signer !== undefined) header = sealHeader(header, options.signer)
    const headerBytes = encodeHeader(header)
    const block = Chain.record(hashHeader(headerBytes), header)
    if (options.signer !== undefined) this.noteSlot(slot, options.signer.publicKey, block.hashHex, headerBytes)
    const imported: ImportedBlock = {
      block,
      extrinsics: exec.extrinsics,
      changedKeys: new Set(changes.map(([k]) => u8aToHex(k))),
      applied,
    }
    this.store(imported, headerBytes, nodes, parent)
    return imported
  }

  /**
   * Imports a block built elsewhere: known parent, number = parent + 1, on a chain containing the
   * last finalized block, Aura slot after the parent's and not in the future, sealed by the
   * slot's author; the body re-executed (timestamp inherent, then the signed extrinsics) must give
   * the header's extrinsics and state roots. Fork blocks are stored too; the longest chain that
   * contains the finalized block is the best chain (equal heights: the earlier
   * slot, then the lower hash; see fork-choice.ts).
   * Throws {@link BlockImportError}.
   */
  importBlock(headerBytes: Uint8Array, extrinsics: Uint8Array[]): ImportResult {
    let header: Header
    try {
      header = decodeExact(headerType.codec, headerBytes, 'header')
    } catch (err) {
      throw new BlockImportError(Code.BAD_ENCODING, 'the header does not decode', undefined, { cause: err })
    }
    const hash = hashHeader(headerBytes)
    const known = this.blockByHash(hash)
    if (known !== undefined) return { status: 'known', block: known, best: false }
    const hashHex = u8aToHex(hash)
    const meta = { hash: hashHex, number: header.number }
    const parent = this.blockByHash(header.parentHash)
    if (parent === undefined) throw new BlockImportError(Code.UNKNOWN_PARENT, 'unknown parent block', { ...meta, parent: u8aToHex(header.parentHash) })
    if (header.number !== parent.number + 1) throw new BlockImportError(Code.BAD_NUMBER, `number ${header.number} after parent ${parent.number}`, meta)
    if (!this.descendsFromFinalized(parent)) {
      throw new BlockImportError(Code.NOT_DESCENDANT_OF_FINALIZED, 'the block is not on a chain containing the finalized block', meta)
    }
    const slot = findSlot(header)
    if (slot === undefined) throw new BlockImportError(Code.NO_SLOT, 'no Aura slot digest', meta)
    const parentSlot = findSlot(parent.header)
    if (parentSlot !== undefined && slot <= parentSlot) {
      throw new BlockImportError(Code.SLOT_NOT_INCREASING, `slot ${slot} is not after the parent's slot ${parentSlot}`, { ...meta, slot, parentSlot })
    }
    const blockTime = this.runtime.config.blockTimeMs
    const currentSlot = slotOf(this.clock(), blockTime)
    if (slot > currentSlot + this.maxSlotDrift) {
      throw new BlockImportError(Code.FUTURE_SLOT, `slot ${slot} is in the future (now ${currentSlot})`, { ...meta, slot, currentSlot })
    }
    const sealed = unsealHeader(header)
    if (sealed === undefined) throw new BlockImportError(Code.NO_SEAL, 'no Aura seal as the last digest item', meta)
    const authorities = this.authoritiesFor(parent)
    const author = slotAuthor(slot, authorities)
    if (!verifySeal(sealed.preHeader, sealed.signature, author)) {
      const other = authorities.find((a) => !u8aEq(a, author) && verifySeal(sealed.preHeader, sealed.signature, a))
      if (other !== undefined) {
        throw new BlockImportError(Code.WRONG_AUTHOR, `sealed by ${u8aToHex(other)}, not by slot ${slot}'s author`, { ...meta, slot, author: u8aToHex(author) })
      }
      throw new BlockImportError(Code.BAD_SEAL, `the seal is not slot ${slot}'s author's signature`, { ...meta, slot, author: u8aToHex(author) })
    }
    if (!u8aEq(extrinsicsRoot(extrinsics), header.extrinsicsRoot)) {
      throw new BlockImportError(Code.EXTRINSICS_ROOT_MISMATCH, 'the extrinsics root does not match the body', meta)
    }
    this.noteSlot(slot, author, hashHex, headerBytes)
    const { imported, nodes } = this.execute(header, hash, parent, author, slot, extrinsics, meta)
    const best = this.store(imported, headerBytes, nodes, parent)
    return { status: 'imported', block: imported.block, best }
  }

  /**
   * Remembers the first sealed block of `slot`; a second one by the same author (another hash) is an
   * equivocation, emitted with both headers. Evidence needs only valid seals, so this runs before
   * the body is executed.
   */
  private noteSlot(slot: number, author: Uint8Array, hashHex: string, headerBytes: Uint8Array): void {
    const seen = this.slotBlocks.get(slot)
    if (seen === undefined) {
      if (this.slotBlocks.size >= SLOT_CACHE) this.slotBlocks.delete(this.slotBlocks.keys().next().value!)
      this.slotBlocks.set(slot, { author, hashHex, headerBytes })
      return
    }
    if (seen.hashHex === hashHex || !u8aEq(seen.author, author)) return
    this.emit('equivocation', { slot, author, first: seen.headerBytes, second: headerBytes })
  }

  /** Re-executes an imported block's body on its parent's state; throws unless it gives the header's state root. */
  private execute(header: Header, hash: Uint8Array, parent: BlockRecord, author: Uint8Array, slot: number, extrinsics: Uint8Array[], meta: Record<string, unknown>) {
    const parentState = this.stateAt(parent)
    const overlay = new OverlayState((key) => parentState.get(key))
    const timestamp = this.timestampOf(extrinsics[0], meta)
    if (slotOf(timestamp, this.runtime.config.blockTimeMs) !== slot) {
      throw new BlockImportError(Code.BAD_TIMESTAMP, `the timestamp ${timestamp} is not in slot ${slot}`, meta)
    }
    const exec = new BlockExecutor(this.runtime, overlay, { number: header.number, parentHash: parent.hash, author, timestamp })
    exec.initialize()
    let inherent: Uint8Array
    try {
      inherent = exec.applyInherents()
    } catch (err) {
      throw new BlockImportError(Code.BAD_TIMESTAMP, 'the timestamp inherent fails', meta, { cause: err })
    }
    if (!u8aEq(inherent, extrinsics[0]!)) throw new BlockImportError(Code.BAD_TIMESTAMP, 'the timestamp inherent is not canonical', meta)
    const applied: ImportedBlock['applied'] = []
    for (let i = 1; i < extrinsics.length; i++) {
      const xt = this.checkSigned(extrinsics[i]!, parent, parentState, { ...meta, index: i })
      const outcome = exec.applySigned(xt)
      if (!outcome.included) throw new BlockImportError(Code.BAD_EXTRINSIC, `extrinsic ${i} cannot be applied (${outcome.reason})`, { ...meta, index: i })
      applied.push({ xt, outcome })
    }
    exec.finalize()
    const changes = overlay.drain()
    const { root, nodes } = this.trie.commit(parent.header.stateRoot, changes)
    if (!u8aEq(root, header.stateRoot)) {
      throw new BlockImportError(Code.STATE_ROOT_MISMATCH, 'executing the block gives another state root', { ...meta, expected: u8aToHex(header.stateRoot), got: u8aToHex(root) })
    }
    const imported: ImportedBlock = { block: Chain.record(hash, header), extrinsics, changedKeys: new Set(changes.map(([k]) => u8aToHex(k))), applied }
    return { imported, nodes }
  }

  private timestampOf(first: Uint8Array | undefined, meta: Record<string, unknown>): bigint {
    if (first === undefined) throw new BlockImportError(Code.BAD_TIMESTAMP, 'no timestamp inherent', meta)
    let xt: DecodedExtrinsic
    try {
      xt = decodeExtrinsic(this.runtime, first)
    } catch (err) {
      throw new BlockImportError(Code.BAD_TIMESTAMP, 'the first extrinsic does not decode', meta, { cause: err })
    }
    const call = xt.call as { tag: string; value: { tag: string; value: { now?: unknown } } }
    if (xt.signed !== undefined || call.tag !== 'Timestamp' || call.value.tag !== 'set' || typeof call.value.value.now !== 'bigint') {
      throw new BlockImportError(Code.BAD_TIMESTAMP, 'the first extrinsic is not the timestamp inherent', meta)
    }
    return call.value.value.now
  }

  /** Decodes a block's signed extrinsic and verifies its signature against the block's own ancestry. */
  private checkSigned(bytes: Uint8Array, parent: BlockRecord, parentState: StateView, meta: Record<string, unknown>): DecodedExtrinsic {
    let xt: DecodedExtrinsic
    try {
      xt = decodeExtrinsic(this.runtime, bytes)
    } catch (err) {
      throw new BlockImportError(Code.BAD_EXTRINSIC, 'an extrinsic does not decode', meta, { cause: err })
    }
    const signed = xt.signed
    if (signed === undefined || this.runtime.callInfo(xt.call).class === 'Mandatory') {
      throw new BlockImportError(Code.BAD_EXTRINSIC, 'an unsigned or mandatory extrinsic after the inherent', meta)
    }
    let birthHash: Uint8Array | undefined = this.genesis.hash
    if (signed.era.kind !== 'immortal') {
      const birth = eraBirth(signed.era, parent.number)
      if (birth === parent.number) birthHash = parent.hash
      else if (birth > parent.number) birthHash = undefined
      else birthHash = BlockHash.get(parentState, birth)
    }
    if (birthHash === undefined || !verifySignature(signed, signingPayload(this.runtime, xt, this.genesis.hash, birthHash))) {
      throw new BlockImportError(Code.BAD_EXTRINSIC, 'an extrinsic has a bad signature', meta)
    }
    return xt
  }

  /** Whether `block` is, or descends from, the last finalized block. */
  private descendsFromFinalized(block: BlockRecord): boolean {
    return this.descendsFrom(block, this.finalizedBlock)
  }

  /** Whether `ancestor` is `block` or one of its ancestors (`ancestor` canonical makes this quick). */
  private descendsFrom(block: BlockRecord, ancestor: BlockRecord): boolean {
    const ancestorCanonical = this.isCanonical(ancestor)
    let cur: BlockRecord | undefined = block
    while (cur !== undefined && cur.number > ancestor.number) {
      if (ancestorCanonical && this.isCanonical(cur)) return true
      cur = this.blockByHash(cur.header.parentHash)
    }
    return cur !== undefined && cur.hashHex === ancestor.hashHex
  }

  /** The blocks from just above the best chain up to `block` (lowest first), and the fork point. */
  private routeTo(block: BlockRecord): { enacted: BlockRecord[]; forkNumber: number } {
    const enacted: BlockRecord[] = []
    let cur: BlockRecord | undefined = block
    while (cur !== undefined && !this.isCanonical(cur)) {
      enacted.push(cur)
      cur = this.blockByHash(cur.header.parentHash)
    }
    if (cur === undefined) throw new ChainError('CHAIN_ERROR_CORRUPT', `block ${block.hashHex} has no ancestor on the best chain`)
    return { enacted: enacted.reverse(), forkNumber: cur.number }
  }

  /** The best-chain blocks above `forkNumber` up to the best block, highest first. */
  private retractedAbove(forkNumber: number): BlockRecord[] {
    const out: BlockRecord[] = []
    for (let n = this.bestBlock.number; n > forkNumber; n--) {
      const hash = this.hashAt(n)
      const block = hash === undefined ? undefined : this.blockByHash(hash)
      if (block !== undefined) out.push(block)
    }
    return out
  }

  /** Writes a new block (one transaction), updates fork choice and emits the events. Returns whether it became best. */
  private store(imported: ImportedBlock, headerBytes: Uint8Array, nodes: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, parent: BlockRecord): boolean {
    const { block } = imported
    const best = isBetterHead(block, this.bestBlock)
    const extends_ = parent.hashHex === this.bestBlock.hashHex
    let reorg: Reorg | undefined
    let update: CanonicalUpdate | undefined
    if (best && !extends_) {
      const route = this.routeTo(parent)
      reorg = { retracted: this.retractedAbove(route.forkNumber), enacted: [...route.enacted, block] }
      update = { set: route.enacted.map((b) => [b.number, b.hash] as const) }
    }
    const meta: Record<string, Uint8Array> = {}
    if (best) meta[META_BEST] = block.hash
    const finalizeParent = this.finality === 'author' && best && extends_ && this.finalizedBlock.hashHex !== parent.hashHex
    if (finalizeParent) meta[META_FINALIZED] = parent.hash
    this.db.commitBlock({
      block: { hash: block.hash, number: block.number, header: headerBytes, body: encodeBody(imported.extrinsics) },
      nodes,
      canonical: best,
      meta,
      ...(update === undefined ? {} : { reorg: update }),
    })
    this.leaves.delete(parent.hashHex)
    this.leaves.set(block.hashHex, block)
    if (!best) {
      this.remember(imported)
      return false
    }
    this.bestBlock = block
    if (finalizeParent) this.finalizedBlock = parent
    if (reorg !== undefined) {
      this.emit('reorg', reorg)
      for (const b of reorg.enacted.slice(0, -1)) this.emit('block', this.recalled(b))
    }
    this.emit('block', imported)
    if (finalizeParent) this.emit('finalized', parent)
    return true
  }

  private remember(imported: ImportedBlock): void {
    if (this.recent.size >= RECENT_IMPORTS) this.recent.delete(this.recent.keys().next().value!)
    this.recent.set(imported.block.hashHex, imported)
  }

  /** An enacted block's import record (from memory, or rebuilt from the database without its changed keys). */
  private recalled(block: BlockRecord): ImportedBlock {
    const kept = this.recent.get(block.hashHex)
    if (kept !== undefined) return kept
    const extrinsics = this.extrinsicsOf(block.hash) ?? []
    const applied: ImportedBlock['applied'] = []
    for (const bytes of extrinsics.slice(1)) {
      try {
        applied.push({ xt: decodeExtrinsic(this.runtime, bytes), outcome: { included: true, success: true } })
      } catch {
        // imported blocks' extrinsics decode; nothing to report otherwise
      }
    }
    return { block, extrinsics, changedKeys: new Set(), applied }
  }

  /**
   * Finalizes `hash` (and its ancestors): the finality gadget's entry point. Never reverts a
   * finalized block: `hash` must descend from the last finalized block (finalizing an ancestor of
   * it is a no-op). If `hash` is off the best chain, the best chain becomes the longest one
   * containing it. `justification` (the finality proof) is stored with the block in the same write.
   * Throws {@link FinalityError}.
   */
  finalize(hash: Uint8Array, justification?: Uint8Array): void {
    const block = this.blockByHash(hash)
    if (block === undefined) throw new FinalityError('FINALITY_ERROR_UNKNOWN_BLOCK', `unknown block ${u8aToHex(hash)}`)
    const finalized = this.finalizedBlock
    if (block.number <= finalized.number) {
      if (this.descendsFrom(finalized, block)) return
      throw new FinalityError('FINALITY_ERROR_CONFLICT', `block ${block.hashHex} conflicts with the finalized block ${finalized.hashHex}`)
    }
    if (!this.descendsFrom(block, finalized)) {
      throw new FinalityError('FINALITY_ERROR_CONFLICT', `block ${block.hashHex} does not descend from the finalized block ${finalized.hashHex}`)
    }
    const meta: Record<string, Uint8Array> = { [META_FINALIZED]: block.hash }
    let reorg: Reorg | undefined
    let update: CanonicalUpdate | undefined
    let newBest = this.bestBlock
    if (!this.isCanonical(block)) {
      newBest = this.bestContaining(block)
      const route = this.routeTo(newBest)
      reorg = { retracted: this.retractedAbove(route.forkNumber), enacted: route.enacted }
      const remove: number[] = []
      for (let n = newBest.number + 1; n <= this.bestBlock.number; n++) remove.push(n)
      update = { set: route.enacted.map((b) => [b.number, b.hash] as const), remove }
      meta[META_BEST] = newBest.hash
    }
    this.db.commitHead({
      meta,
      ...(update === undefined ? {} : { reorg: update }),
      ...(justification === undefined ? {} : { justifications: [[block.hash, justification] as const] }),
    })
    this.finalizedBlock = block
    this.bestBlock = newBest
    for (const [hex, leaf] of this.leaves) if (!this.descendsFrom(leaf, block)) this.leaves.delete(hex)
    this.leaves.set(newBest.hashHex, newBest)
    if (reorg !== undefined) {
      this.emit('reorg', reorg)
      for (const b of reorg.enacted) this.emit('block', this.recalled(b))
    }
    this.emit('finalized', block)
  }
}
