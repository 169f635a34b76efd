/**
 * The transaction pool: validates submitted extrinsics once (signature, era, nonce, fee) against
 * the best block, keeps them in ready/future queues by nonce, hands them to block production, and
 * tells watchers how each one fares (ready → inBlock → finalized, or dropped; only a block of the
 * finalized chain is ever reported finalized).
 */
import { EventEmitter } from 'node:events'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import type { BlockRecord, Chain, ImportedBlock, Reorg } from '../../chain/index.js'
import { Account } from '../../pallets/system.js'
import type { ApplyOutcome } from '../../runtime/executive.js'
import { type DecodedExtrinsic, decodeExtrinsic } from '../../frame/extrinsic.js'
import type { Runtime } from '../../runtime/runtime.js'
import { poolSigningPayload, validateTransaction } from '../../runtime/validity.js'
import type { PendingSignature } from '../../frame/verified-signatures.js'
import { PoolError } from './errors.js'
import type { PoolTransaction, TransactionOrigin } from './interface.js'
import { DEFAULT_FUTURE_LIFETIME_MS, defaultPoolLimits, type PoolLimits } from './options.js'
import { TransactionQueues } from './queues.js'

/** Substrate's `TransactionStatus`, in its JSON form. */
export type TransactionStatus = 'future' | 'ready' | { inBlock: string } | { finalized: string } | { usurped: string } | 'dropped' | 'invalid'

/** Statuses after which a transaction is no longer watched. */
export const isFinalStatus = (s: TransactionStatus): boolean =>
  s === 'dropped' || s === 'invalid' || (typeof s === 'object' && ('finalized' in s || 'usurped' in s))

interface PoolEvents {
  status: [hash: string, status: TransactionStatus]
  /** A transaction entered the pool through {@link TransactionPool.submit} (the network propagates these). */
  submitted: [xt: DecodedExtrinsic, origin: TransactionOrigin]
}

/** A pooled transaction as the network propagates it. */
export interface PooledExtrinsic {
  /** 0x-hex blake2-256 of `bytes`. */
  hash: string
  bytes: Uint8Array
}

export interface SubmitResult {
  hash: string
  status: 'ready' | 'future'
}

/** The refusals a peer's push meets most (its peers offer what they hold, again and again), answered as values. */
export type PeerRefusal = 'TXPOOL_ERROR_ALREADY_IMPORTED' | 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER'

/** {@link TransactionPool.submitFromPeer}'s answer: admitted (as `submit`), or refused for now. */
export type PeerSubmitResult = (SubmitResult & { refused?: undefined }) | { hash: string; refused: PeerRefusal }

/** Most transactions whose sender and nonce are remembered after a per-sender refusal (oldest forgotten first). */
const MAX_REMEMBERED_ROOM_REFUSALS = 8192

export class TransactionPool extends EventEmitter<PoolEvents> {
  private readonly queues: TransactionQueues<DecodedExtrinsic>
  /**
   * Transaction hash -> its sender and nonce, for network transactions refused by the per-sender
   * future limit: peers offer them again every second, and the next refusal needs no decoding. The
   * hash binds the bytes, so an entry is never wrong, only perhaps no longer refused.
   */
  private readonly roomRefused = new Map<string, { sender: string; nonce: number }>()
  /** Transactions in imported blocks that are not final yet, by block hash. */
  private readonly awaitingFinality = new Map<string, { number: number; hashes: string[] }>()
  private readonly futureLifetimeMs: number

  constructor(
    private readonly runtime: Runtime,
    private readonly chain: Chain,
    limits: PoolLimits = defaultPoolLimits,
  ) {
    super()
    this.queues = new TransactionQueues<DecodedExtrinsic>(limits)
    this.futureLifetimeMs = limits.futureLifetimeMs ?? DEFAULT_FUTURE_LIFETIME_MS
    chain.on('reorg', (reorg) => this.onReorg(reorg))
    chain.on('block', (imported) => this.onBlock(imported))
    chain.on('finalized', (block) => this.onFinalized(block))
  }

  /**
   * Validates and queues an extrinsic. Throws `ExtrinsicFormatError`, `InvalidTransactionError` or
   * `PoolError`, which the RPC layer turns into Substrate's JSON-RPC errors. `origin` is `network`
   * for transactions peers pushed (bounded per sender, see {@link TransactionQueues}).
   */
  submit(bytes: Uint8Array, origin: TransactionOrigin = 'local'): SubmitResult {
    const xt = decodeExtrinsic(this.runtime, bytes)
    const hash = u8aToHex(xt.hash)
    // Known already: no need to verify the signature again (peers re-propagate what they hold).
    if (this.queues.has(hash)) throw new PoolError({ code: 'TXPOOL_ERROR_ALREADY_IMPORTED', hash })
    if (origin === 'network' && xt.signed !== undefined) this.queues.checkSenderRoom(hash, u8aToHex(xt.signed.signer), xt.signed.nonce)
    return this.admit(xt, hash, origin)
  }

  /**
   * `submit(bytes, 'network')` for a transaction a peer pushed, with its two common refusals
   * returned, not thrown, and found before any decoding when the pool has seen the bytes: already
   * pooled (by hash), or over its sender's future limit (sender and nonce remembered by hash from
   * the last refusal). The limit is the same as `submit`'s; every other refusal throws as there.
   */
  submitFromPeer(bytes: Uint8Array): PeerSubmitResult {
    const hashBytes = blake2AsU8a(bytes, 256)
    const hash = u8aToHex(hashBytes)
    if (this.queues.has(hash)) return { hash, refused: 'TXPOOL_ERROR_ALREADY_IMPORTED' }
    const seen = this.roomRefused.get(hash)
    if (seen !== undefined && !this.queues.hasSenderRoom(seen.sender, seen.nonce)) return { hash, refused: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER' }
    const xt = decodeExtrinsic(this.runtime, bytes, hashBytes)
    if (xt.signed !== undefined) {
      const sender = u8aToHex(xt.signed.signer)
      if (!this.queues.hasSenderRoom(sender, xt.signed.nonce)) {
        this.rememberRoomRefusal(hash, sender, xt.signed.nonce)
        return { hash, refused: 'TXPOOL_ERROR_TOO_MANY_FROM_SENDER' }
      }
    }
    this.roomRefused.delete(hash)
    return this.admit(xt, hash, 'network')
  }

  /**
   * Checks the signatures of a peer's pushed transactions on the chain's signature worker threads
   * beside this one, before {@link submitFromPeer} takes them one by one (which then finds them
   * checked). Skips what is pooled already or does not decode; trusts nothing (see
   * `VerifiedSignatures.preverify`). No-op without workers.
   */
  async preverifyFromPeer(batch: readonly Uint8Array[]): Promise<void> {
    const { chain } = this
    if (!chain.signatureWorkers.parallel) return
    const best = chain.best
    const view = { bestNumber: best.number, genesisHash: chain.genesis.hash, hashOf: (n: number) => chain.hashAt(n) }
    const pending: PendingSignature[] = []
    for (const bytes of batch) {
      const hashBytes = blake2AsU8a(bytes, 256)
      const hash = u8aToHex(hashBytes)
      // What submitFromPeer refuses before any check needs none here either.
      if (this.queues.has(hash)) continue
      const seen = this.roomRefused.get(hash)
      if (seen !== undefined && !this.queues.hasSenderRoom(seen.sender, seen.nonce)) continue
      let xt: DecodedExtrinsic
      try {
        xt = decodeExtrinsic(this.runtime, bytes, hashBytes)
      } catch {
        continue
      }
      if (xt.signed !== undefined && !this.queues.hasSenderRoom(u8aToHex(xt.signed.signer), xt.signed.nonce)) continue
      const payload = poolSigningPayload(this.runtime, xt, view)
      if (payload !== undefined && xt.signed !== undefined) pending.push({ xt: { ...xt, signed: xt.signed }, payload })
    }
    await chain.signatures.preverify(pending, chain.signatureWorkers)
  }

  private rememberRoomRefusal(hash: string, sender: string, nonce: number): void {
    if (this.roomRefused.has(hash)) return
    if (this.roomRefused.size >= MAX_REMEMBERED_ROOM_REFUSALS) this.roomRefused.delete(this.roomRefused.keys().next().value!)
    this.roomRefused.set(hash, { sender, nonce })
  }

  /** Validates a decoded, not yet pooled transaction against the best block and queues it. */
  private admit(xt: DecodedExtrinsic, hash: string, origin: TransactionOrigin): SubmitResult {
    const best = this.chain.best
    const valid = validateTransaction(this.runtime, xt, {
      state: this.chain.stateAt(best),
      bestNumber: best.number,
      genesisHash: this.chain.genesis.hash,
      hashOf: (n) => this.chain.hashAt(n),
      signatures: this.chain.signatures,
    })
    const tx: PoolTransaction<DecodedExtrinsic> = {
      hash,
      sender: u8aToHex(valid.signer),
      nonce: valid.nonce,
      priority: valid.priority,
      length: valid.length,
      data: xt,
      ...(valid.deathBlock < Number.MAX_SAFE_INTEGER ? { validTill: valid.deathBlock } : {}),
    }
    const outcome = this.queues.import(tx, valid.accountNonce, { origin })
    if (outcome.replaced !== undefined) this.emit('status', outcome.replaced.hash, { usurped: tx.hash })
    for (const evicted of outcome.evicted) this.emit('status', evicted.hash, 'dropped')
    for (const promoted of outcome.promoted) this.emit('status', promoted.hash, 'ready')
    this.emit('submitted', xt, origin)
    return { hash: tx.hash, status: outcome.status }
  }

  /** The ready transactions in block order; block production tells it which could not go in. */
  source(): Iterable<DecodedExtrinsic> & { reject(xt: DecodedExtrinsic, outcome: ApplyOutcome): void } {
    const ready = this.queues.ready()
    const invalid: string[] = []
    const pool = this
    return {
      *[Symbol.iterator]() {
        for (const tx of ready) yield tx.data
        if (invalid.length > 0) pool.drop(invalid, 'invalid')
      },
      reject(xt, outcome) {
        if (outcome.included) return
        ready.skipSender(u8aToHex(xt.signed!.signer))
        // Stale, expired or unaffordable transactions can never go in; one that did not fit waits for a later block.
        if (outcome.reason !== 'full' && outcome.reason !== 'future') invalid.push(u8aToHex(xt.hash))
      },
    }
  }

  private drop(hashes: string[], status: 'invalid' | 'dropped'): void {
    for (const tx of this.queues.remove(hashes)) this.emit('status', tx.hash, status)
  }

  private onBlock(imported: ImportedBlock): void {
    const blockHash = imported.block.hashHex
    const senders = new Map<string, Uint8Array>()
    const state = this.chain.stateAt(imported.block)
    for (const { xt, outcome } of imported.applied) {
      if (!outcome.included || xt.signed === undefined) continue
      const hash = u8aToHex(xt.hash)
      senders.set(u8aToHex(xt.signed.signer), xt.signed.signer)
      this.emit('status', hash, { inBlock: blockHash })
    }
    const updates = [...senders].map(([hex, who]) => [hex, Account.get(state, who).nonce] as const)
    const { removed, promoted, evicted } = this.queues.onNonces(updates)
    for (const tx of promoted) this.emit('status', tx.hash, 'ready')
    for (const tx of evicted) this.emit('status', tx.hash, 'dropped')
    const included = new Set<string>(imported.applied.filter((a) => a.outcome.included).map((a) => u8aToHex(a.xt.hash)))
    for (const tx of removed) if (!included.has(tx.hash)) this.emit('status', tx.hash, 'invalid')
    if (included.size > 0) this.awaitingFinality.set(blockHash, { number: imported.block.number, hashes: [...included] })
    this.expire(imported.block.number + 1)
  }

  /** Drops transactions whose era ended (invalid) and future ones whose gap never filled in time (dropped). */
  private expire(nextBlock: number): void {
    for (const tx of this.queues.expire(nextBlock, Date.now() - this.futureLifetimeMs)) {
      this.emit('status', tx.hash, (tx.validTill ?? Number.POSITIVE_INFINITY) <= nextBlock ? 'invalid' : 'dropped')
    }
  }

  /**
   * The best chain switched: every pooled sender's nonce is re-read from the new best state (a
   * retracted block's nonces no longer hold), before the enacted blocks prune what they include and
   * the node resubmits the retracted blocks' transactions.
   */
  private onReorg(reorg: Reorg): void {
    const state = this.chain.stateAt()
    const updates = this.queues.senderIds().map((id) => [id, Account.get(state, hexToU8a(id)).nonce] as const)
    const { removed, promoted, evicted } = this.queues.onNonces(updates)
    for (const tx of promoted) this.emit('status', tx.hash, 'ready')
    for (const tx of evicted) this.emit('status', tx.hash, 'dropped')
    // A transaction the enacted blocks include is stale by nonce but not invalid: its `inBlock` follows
    // with the enacted block's event (an `invalid` here would end its watchers before that).
    const enacted = new Set<string>()
    for (const block of reorg.enacted) {
      for (const bytes of (this.chain.extrinsicsOf(block.hash) ?? []).slice(1)) enacted.add(u8aToHex(blake2AsU8a(bytes, 256)))
    }
    for (const tx of removed) if (!enacted.has(tx.hash)) this.emit('status', tx.hash, 'invalid')
    // A retracted block no longer waits for finality; an enacted block that includes its
    // transactions reports them `inBlock` again. (Substrate also sends `retracted` here; the SDK's
    // watch and @polkadot/api, which drops an `InBlock` still fetching events when a newer status
    // comes, would end a watch on it: not sent until they wait through it.)
    for (const block of reorg.retracted) this.awaitingFinality.delete(block.hashHex)
  }

  /**
   * Blocks up to the finalized height report their transactions finalized, but only blocks of the
   * finalized chain: a block that lost a fork at or below it never becomes final (reporting it
   * finalized told a client its transfer was in a block the chain does not have).
   */
  private onFinalized(block: BlockRecord): void {
    for (const [blockHash, entry] of this.awaitingFinality) {
      if (entry.number > block.number) continue
      this.awaitingFinality.delete(blockHash)
      const canonical = this.chain.hashAt(entry.number)
      if (canonical === undefined || u8aToHex(canonical) !== blockHash) continue
      for (const hash of entry.hashes) this.emit('status', hash, { finalized: blockHash })
    }
  }

  has(hash: string): boolean {
    return this.queues.has(hash)
  }

  /** Every pooled transaction (ready ones in block order, then future ones), for propagation. */
  transactions(): PooledExtrinsic[] {
    return this.queues.all().map((tx) => ({ hash: tx.hash, bytes: tx.data.bytes }))
  }

  /** The extrinsic bytes of the pooled transaction with this hash (0x-hex). */
  bytesOf(hash: string): Uint8Array | undefined {
    return this.queues.get(hash)?.data.bytes
  }

  /** Extrinsic bytes of every pooled transaction (ready first). */
  pending(): Uint8Array[] {
    return this.queues.all().map((tx) => tx.data.bytes)
  }

  /** The next nonce for `who`: past the on-chain nonce and every consecutive ready transaction. */
  nextNonce(who: Uint8Array): number {
    let nonce = Account.get(this.chain.stateAt(), who).nonce
    const sender = u8aToHex(who)
    const mine = new Set(
      this.queues
        .all()
        .filter((tx) => tx.sender === sender)
        .map((tx) => tx.nonce),
    )
    while (mine.has(nonce)) nonce++
    return nonce
  }

  status() {
    return this.queues.status()
  }
}
