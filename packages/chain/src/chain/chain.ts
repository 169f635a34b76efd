/**
 * The chain: blocks, their state, block production on top of the best block, and import of blocks
 * from other authorities (Aura seal check, re-execution, fork choice). One atomic database write
 * per block (header, body, new trie nodes, indices, best/finalized pointers, canonical index
 * changes of a reorg), so a crash at any moment leaves the last imported block intact.
 *
 * This class is the facade; the jobs live beside it: `block-tree.ts` (blocks, ancestry, state),
 * `blocks/verify-header.ts` and `blocks/verify-block.ts` (import checks), `blocks/execute-block.ts`
 * (re-execution), `blocks/produce-block.ts` (production), `equivocation.ts` (slot equivocations),
 * `store.ts` (writes, fork choice, reorgs, finality).
 */
import { EventEmitter } from 'node:events'
import { u8aEq, u8aToHex } from '@polkadot/util'
import type { ChainDatabase } from '../db/index.js'
import type { DecodedExtrinsic } from '../frame/extrinsic.js'
import { OverlayState } from '../frame/overlay.js'
import { defaultSignatureWorkers, SignatureWorkers } from '../frame/signature-workers.js'
import { VerifiedSignatures } from '../frame/verified-signatures.js'
import { Account } from '../pallets/system.js'
import { findSlot } from '../primitives/aura.js'
import { decodeHeader, encodeBody, encodeHeader, extrinsicsRoot, type Header, hashHeader } from '../primitives/header.js'
import type { Runtime } from '../runtime/runtime.js'
import type { ChainSpec } from '../spec/chain-spec.js'
import { buildGenesisState } from '../spec/genesis.js'
import { EMPTY_TRIE_ROOT, MerkleTrie } from '../state/index.js'
import { type AuthoritySet, genesisAuthorities, type VoterSet } from './authorities.js'
import { BlockTree, blockRecord } from './block-tree.js'
import { type BlockBytes, signaturesOfBlocks } from './blocks/block-signatures.js'
import { executeBlock } from './blocks/execute-block.js'
import { produceBlock } from './blocks/produce-block.js'
import { verifyBlock } from './blocks/verify-block.js'
import {
  DEFAULT_PRUNING_BATCH,
  DEFAULT_PRUNING_NODE_BUDGET,
  DEFAULT_STATE_PRUNING,
  META_BEST,
  META_FINALIZED,
  META_GENESIS,
  META_STATE_FROM,
  TRIE_CACHE,
} from './constants.js'
import { SlotRecord } from './equivocation.js'
import { ChainError, ChainErrorCode } from './errors.js'
import type { BlockRecord, ChainEvents, ImportedBlock, ImportResult, StateView, TransactionSource } from './interface.js'
import { type ChainInit, DEFAULT_FINALITY, DEFAULT_MAX_SLOT_DRIFT, type FinalityMode, type PreverifyOptions, type ProduceBlockOptions } from './options.js'
import { decodeStateFrom } from './state-pruning.js'
import { decodeAuthorityProof, encodeAuthorityProof, type ProvenAuthorities, proveAuthorities, verifyAuthorityProof } from './authority-proof.js'
import { StatePins } from './state-pins.js'
import { installSyncedState, readStateChunk, type StateChunk, type StateChunkLimits, type SyncedState } from './state-sync.js'
import { ChainStore } from './store.js'

export class Chain extends EventEmitter<ChainEvents> {
  readonly trie: MerkleTrie
  readonly genesis: BlockRecord
  readonly finality: FinalityMode
  readonly authorities: AuthoritySet
  /** Transaction signatures this node checked; shared by the pool and block import so each is checked once. */
  readonly signatures = new VerifiedSignatures()
  /** Worker threads that check a batch's signatures beside this thread ({@link preverifyBlocks}, the pool's batches). */
  readonly signatureWorkers: SignatureWorkers
  private readonly tree: BlockTree
  private readonly store: ChainStore
  private readonly slots = new SlotRecord()
  private readonly maxSlotDrift: number
  private readonly clock: () => number
  /** States being served to syncing peers, kept from pruning while read (see `state-pins.ts`). */
  private readonly pins: StatePins
  private imported = 0

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
    this.finality = init.finality ?? DEFAULT_FINALITY
    this.authorities = init.authorities ?? genesisAuthorities(spec)
    this.maxSlotDrift = init.maxSlotDrift ?? DEFAULT_MAX_SLOT_DRIFT
    this.clock = init.clock ?? Date.now
    this.tree = new BlockTree(db, trie, genesis, best, finalized)
    this.tree.stateFrom = decodeStateFrom(db.getMeta(META_STATE_FROM))
    const keep = init.pruning ?? DEFAULT_STATE_PRUNING
    if (!Number.isInteger(keep) || keep < 1)
      throw new ChainError(ChainErrorCode.INVALID_OPTIONS, `pruning: expected a number of blocks of at least 1, got ${keep}`)
    const batch = init.pruningBatch ?? DEFAULT_PRUNING_BATCH
    if (!Number.isInteger(batch) || batch < 1) throw new ChainError(ChainErrorCode.INVALID_OPTIONS, `pruningBatch: expected at least 1, got ${batch}`)
    const nodeBudget = init.pruningNodeBudget ?? DEFAULT_PRUNING_NODE_BUDGET
    if (!Number.isInteger(nodeBudget) || nodeBudget < 1)
      throw new ChainError(ChainErrorCode.INVALID_OPTIONS, `pruningNodeBudget: expected at least 1, got ${nodeBudget}`)
    const workers = init.signatureWorkers ?? defaultSignatureWorkers()
    if (!Number.isInteger(workers) || workers < 0)
      throw new ChainError(ChainErrorCode.INVALID_OPTIONS, `signatureWorkers: expected a whole number of threads, got ${workers}`)
    this.signatureWorkers = new SignatureWorkers(workers)
    this.pins = new StatePins(this.clock)
    const lowestPinned = () =>
      this.pins.lowest(this.tree.finalized.number, (number, hash) => {
        const canonical = db.getCanonicalHash(number)
        return canonical !== undefined && u8aEq(canonical, hash)
      })
    this.store = new ChainStore(this.tree, runtime, this.finality, { keep, batch, nodeBudget, lowestPinned }, (event, ...args) => {
      this.emit(event, ...(args as never))
    })
  }

  /** Opens the chain in `db`, writing genesis from `spec` if the database is new. */
  static open(db: ChainDatabase, runtime: Runtime, spec: ChainSpec, init: ChainInit = {}): Chain {
    const trie = new MerkleTrie(db, { cacheSize: TRIE_CACHE })
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
        ChainErrorCode.GENESIS_MISMATCH,
        `the data folder holds another chain (genesis ${u8aToHex(stored)}, this spec's is ${genesis.block.hashHex}): use another --base-path or remove it (crust dev: --reset)`,
      )
    }
    const load = (key: string): BlockRecord => {
      const hash = db.getMeta(key)
      const header = hash === undefined ? undefined : db.getHeader(hash)
      if (hash === undefined || header === undefined) throw new ChainError(ChainErrorCode.CORRUPT, `the database has no ${key} block`)
      return blockRecord(hash, decodeHeader(header))
    }
    return new Chain(db, runtime, trie, genesis.block, load(META_BEST), load(META_FINALIZED), spec, init)
  }

  private static genesisBlock(runtime: Runtime, spec: ChainSpec, trie: MerkleTrie) {
    const overlay = new OverlayState(() => undefined)
    buildGenesisState(spec, runtime.config, overlay)
    const { root, nodes } = trie.commit(EMPTY_TRIE_ROOT, overlay.drain())
    const header: Header = { parentHash: new Uint8Array(32), number: 0, stateRoot: root, extrinsicsRoot: extrinsicsRoot([]), digest: [] }
    const headerBytes = encodeHeader(header)
    return { block: blockRecord(hashHeader(headerBytes), header), headerBytes, nodes }
  }

  /** Blocks from elsewhere this process imported by executing them (a state-synced node: only those after its sync point). */
  get executedImports(): number {
    return this.imported
  }

  get best(): BlockRecord {
    return this.tree.best
  }

  get finalized(): BlockRecord {
    return this.tree.finalized
  }

  /** A block's header by hash (any imported block). */
  blockByHash(hash: Uint8Array): BlockRecord | undefined {
    return this.tree.blockByHash(hash)
  }

  /** The canonical block hash at `number`. */
  hashAt(number: number): Uint8Array | undefined {
    return this.tree.hashAt(number)
  }

  /** A block's extrinsics, each exactly as submitted. */
  extrinsicsOf(hash: Uint8Array): Uint8Array[] | undefined {
    return this.tree.extrinsicsOf(hash)
  }

  /** The state at `block` (default the best block). Throws {@link ChainError} `STATE_DISCARDED` when it was pruned. */
  stateAt(block: BlockRecord = this.tree.best): StateView {
    return this.tree.stateAt(block)
  }

  /** Whether the state at `block` is still stored (always, on an archive database). */
  hasState(block: BlockRecord): boolean {
    return this.tree.hasState(block)
  }

  /** Pruned databases: the lowest block number whose state may still be kept (0 on archive databases). */
  get stateFrom(): number {
    return this.tree.stateFrom
  }

  /**
   * State sync, serving side: the pairs of the state at `block` strictly after `startAfter`, ascending,
   * within `limits`. Throws {@link ChainError} `STATE_DISCARDED` when the state was pruned. Pins the
   * state, so pruning keeps it while a peer goes on reading it (`state-pins.ts`).
   */
  stateChunk(block: BlockRecord, startAfter: Uint8Array | undefined, limits: StateChunkLimits): StateChunk {
    if (!this.tree.hasState(block)) throw new ChainError(ChainErrorCode.STATE_DISCARDED, `State already discarded for ${block.hashHex}`)
    this.pins.touch(block)
    return readStateChunk(this.trie, block.header.stateRoot, startAfter, limits)
  }

  /**
   * State sync, receiving side: makes the last of `headers` (canonical headers from block 1 up,
   * verified by the caller, as is its finality) the best and finalized block with `state` (whose
   * root must be its state root), in one write, on a fresh pruned database; blocks after it then
   * import as usual. Emits `finalized`. Throws {@link ChainError} `STATE_SYNC_REFUSED`.
   */
  importSyncedState(headers: readonly Uint8Array[], state: SyncedState, justification?: Uint8Array): BlockRecord {
    const target = installSyncedState(this.tree, headers, state, justification)
    this.emit('finalized', target)
    return target
  }

  /** An account's nonce (its count of applied transactions) in the state of `block`, default the best block. */
  accountNonce(who: Uint8Array, block: BlockRecord = this.tree.best): number {
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

  /** The account credited for a block on `parent` sealed by slot key `key` (the validator whose session key it is). */
  authorAccount(parent: BlockRecord, key: Uint8Array): Uint8Array {
    return this.authorities.accountOf?.(parent, this.stateAt(parent), key) ?? key
  }

  /** The finality voters for the blocks built on `block` (from its state). */
  votersFor(block: BlockRecord): VoterSet {
    return this.authorities.votersFor(block, this.stateAt(block))
  }

  /**
   * An authority proof of `block`: the nodes of its state the authority and voter sets for blocks
   * on it are read from. Throws {@link ChainError} `STATE_DISCARDED` when its state was pruned.
   */
  proveAuthorities(block: BlockRecord): Uint8Array[] {
    if (!this.tree.hasState(block)) throw new ChainError(ChainErrorCode.STATE_DISCARDED, `State already discarded for ${block.hashHex}`)
    return proveAuthorities(this.db, this.authorities, block)
  }

  /**
   * The authority proof of `block` to serve a state-syncing peer: from its state while it is kept,
   * else the one kept for a voter set change (a pruned database keeps those when it finalizes
   * them); undefined otherwise.
   */
  authorityProof(block: BlockRecord): Uint8Array[] | undefined {
    if (this.tree.hasState(block)) return proveAuthorities(this.db, this.authorities, block)
    const kept = this.db.getAuthorityProof(block.hash)
    return kept === undefined ? undefined : decodeAuthorityProof(kept)
  }

  /**
   * The authority and voter sets for blocks on `block` (a header this node holds or has checked,
   * whatever its state), read from a peer's proof. Throws {@link ChainError} `AUTHORITY_PROOF_INVALID`.
   */
  verifyAuthorityProof(block: BlockRecord, nodes: readonly Uint8Array[]): ProvenAuthorities {
    return verifyAuthorityProof(this.authorities, block, nodes)
  }

  /** The finality justification stored with a finalized block, if any. */
  justificationOf(hash: Uint8Array): Uint8Array | undefined {
    return this.db.getJustification(hash)
  }

  /** Whether `ancestor` is `block` or one of its ancestors. */
  isAncestor(ancestor: BlockRecord, block: BlockRecord): boolean {
    return this.tree.descendsFrom(block, ancestor)
  }

  /**
   * The head of the best chain containing `block` (fork choice among the forks this process has
   * seen above it; `block` itself when none): the best block when it descends from `block`.
   */
  bestContaining(block: BlockRecord): BlockRecord {
    return this.tree.bestContaining(block)
  }

  /** Whether `block` is on the best chain. */
  isCanonical(block: BlockRecord): boolean {
    return this.tree.isCanonical(block)
  }

  /** The header bytes of a block, exactly as hashed. */
  headerBytesOf(hash: Uint8Array): Uint8Array | undefined {
    return this.db.getHeader(hash)
  }

  /**
   * Builds a block on the best block from the timestamp inherent and `source`'s transactions and
   * imports it as the new best block; `author` is the slot key (its validator is credited). With a `signer`, the block carries Aura's slot digest and
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
    const account = this.authorAccount(options.parent ?? this.tree.best, author)
    const produced = produceBlock({ tree: this.tree, runtime: this.runtime }, account, source, now, options)
    const { imported, headerBytes, nodes, deleted, parent, slot } = produced
    if (options.signer !== undefined) this.noteSlot(slot, options.signer.publicKey, imported.block.hashHex, headerBytes)
    this.store.storeBlock(imported, headerBytes, { nodes, deleted }, parent)
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
    const verified = verifyBlock(
      {
        tree: this.tree,
        authoritiesFor: (parent) => this.authoritiesFor(parent),
        blockTimeMs: this.runtime.config.blockTimeMs,
        maxSlotDrift: this.maxSlotDrift,
        clock: this.clock,
      },
      headerBytes,
      extrinsics,
    )
    if (verified.status === 'known') return { status: 'known', block: verified.block, best: false }
    this.noteSlot(verified.slot, verified.author, verified.id.hash, headerBytes)
    const credited = { ...verified, author: this.authorAccount(verified.parent, verified.author) }
    const { imported, nodes, deleted } = executeBlock({ tree: this.tree, runtime: this.runtime, signatures: this.signatures }, credited, extrinsics)
    const best = this.store.storeBlock(imported, headerBytes, { nodes, deleted }, verified.parent)
    this.imported++
    return { status: 'imported', block: imported.block, best }
  }

  /**
   * Checks the signatures of `blocks` (a run about to be imported in order, as a sync response) on
   * the signature worker threads beside this one, so that {@link importBlock} finds them checked.
   * Nothing is trusted from it: import still refuses a block whose signature was not found valid
   * here against the payload import computes. Keep a run within a few thousand signatures: the
   * record of checked signatures is bounded ({@link VerifiedSignatures}). No-op without workers.
   */
  async preverifyBlocks(blocks: readonly BlockBytes[], options: PreverifyOptions = {}): Promise<void> {
    if (!this.signatureWorkers.parallel) return
    const pending = signaturesOfBlocks(this.runtime, this.genesis.hash, (n) => this.hashAt(n), blocks, options.before)
    await this.signatures.preverify(pending, this.signatureWorkers, options.callerShare === undefined ? {} : { callerShare: options.callerShare })
  }

  /**
   * Finalizes `hash` (and its ancestors): the finality gadget's entry point. Never reverts a
   * finalized block: `hash` must descend from the last finalized block (finalizing an ancestor of
   * it is a no-op). If `hash` is off the best chain, the best chain becomes the longest one
   * containing it. `justification` (the finality proof) is stored with the block in the same write.
   * Throws {@link FinalityError}.
   */
  finalize(hash: Uint8Array, justification?: Uint8Array): void {
    this.store.finalize(hash, justification, this.db.stateMode === 'pruned' ? this.setChangeProofs(hash) : [])
  }

  /**
   * The authority proofs of the blocks finalizing `hash` makes final whose voter set differs from
   * their parent's (set changes), kept with the finality write: their states will be pruned, and a
   * state-syncing peer follows the set changes through them.
   */
  private setChangeProofs(hash: Uint8Array): Array<readonly [Uint8Array, Uint8Array]> {
    const out: Array<readonly [Uint8Array, Uint8Array]> = []
    const floor = this.tree.finalized.number
    let cur = this.tree.blockByHash(hash)
    while (cur !== undefined && cur.number > floor) {
      const parent = this.tree.blockByHash(cur.header.parentHash)
      if (parent === undefined || !this.tree.hasState(cur) || !this.tree.hasState(parent)) break
      if (this.votersFor(cur).setId !== this.votersFor(parent).setId)
        out.push([cur.hash, encodeAuthorityProof(proveAuthorities(this.db, this.authorities, cur))])
      cur = parent
    }
    return out
  }

  /** Emits an equivocation when `slot` already has another block by `author`. */
  private noteSlot(slot: number, author: Uint8Array, hashHex: string, headerBytes: Uint8Array): void {
    const equivocation = this.slots.note(slot, author, hashHex, headerBytes)
    if (equivocation !== undefined) this.emit('equivocation', equivocation)
  }
}
