/**
 * Executes one block on an {@link OverlayState}: initialization, the timestamp inherent, signed
 * extrinsics (fee, nonce, dispatch in its own storage transaction, events), finalization.
 */
import { CrustError } from '@crust-ts/base'
import { depositInto, ensureCanWithdraw, withdraw } from '../pallets/balances.js'
import { maybeReduceFee } from '../pallets/benefits/index.js'
import { Account, BlockHash, EVENTS_KEY, EventCount, events as systemEvents, CurrentNumber, ParentHash, putBlockWeight } from '../pallets/system.js'
import {
  computeFee,
  distributeFee,
  feeMultiplier,
  NextFeeMultiplier,
  nextFeeMultiplier,
  events as paymentEvents,
  inclusionFee,
} from '../pallets/transaction-payment.js'
import type { Fields, FieldValues } from '../primitives/codec/scale-type.js'
import { eraDeath } from '../primitives/era.js'
import { type DecodedExtrinsic, encodeUnsigned } from '../frame/extrinsic.js'
import { encodeCompact } from '../primitives/compact.js'
import { concatBytes } from '../primitives/hashing.js'
import type { OverlayState } from '../frame/overlay.js'
import { type BlockContext, DispatchError, type DispatchContext, type EventDef, type Origin, type Pallet, type RuntimeCallValue } from '../frame/pallet.js'
import {
  BLOCK_EXECUTION_WEIGHT,
  type ConsumedWeight,
  classKey,
  DB_READ_WEIGHT,
  DB_WRITE_WEIGHT,
  fitsBlock,
  HOOK_BASE_WEIGHT,
  maxLengthFor,
  normalMaxWeight,
} from '../frame/weights.js'
import type { Runtime } from './runtime.js'
import type { DispatchErrorValue, DispatchInfo } from '../primitives/substrate-types.js'

export interface BlockEnvironment {
  number: number
  parentHash: Uint8Array
  author: Uint8Array
  /** Milliseconds since the Unix epoch. */
  timestamp: bigint
}

/** What one block hook was charged: its storage accesses, counted as it ran, and their weight. */
export interface HookWeight {
  pallet: string
  hook: 'onInitialize' | 'onFinalize'
  reads: number
  writes: number
  /** HOOK_BASE_WEIGHT + reads × DB_READ_WEIGHT + writes × DB_WRITE_WEIGHT. */
  weight: bigint
}

export type ApplyOutcome =
  | { included: true; success: boolean; error?: DispatchErrorValue }
  | { included: false; reason: 'stale' | 'future' | 'payment' | 'expired' | 'full' }

const PHASE_INITIALIZATION = Uint8Array.of(2)
const PHASE_FINALIZATION = Uint8Array.of(1)
const NO_TOPICS = Uint8Array.of(0)

/** Whether Benefits may waive the fee of `call`: only `market.calculate_reward`'s, as Crust's CurrencyAdapter. */
export const isFeeReducible = (call: RuntimeCallValue): boolean => call.tag === 'Market' && call.value.tag === 'calculate_reward'

export class BlockExecutor {
  private readonly records: Uint8Array[] = []
  private phase: Uint8Array = PHASE_INITIALIZATION
  private extrinsicIndex = 0
  /**
   * The block's weight per dispatch class (System.BlockWeight): Mandatory holds the base block
   * weight, the hooks and the inherent; Normal (base + actual call weight of each normal-class
   * extrinsic) is the fee multiplier's input.
   */
  private readonly consumed: ConsumedWeight = { normal: 0n, operational: 0n, mandatory: 0n }
  private lengthUsed = 0
  readonly extrinsics: Uint8Array[] = []
  /** What each hook that ran in this block was charged, in order. */
  readonly hookWeights: HookWeight[] = []

  constructor(
    readonly runtime: Runtime,
    readonly state: OverlayState,
    readonly env: BlockEnvironment,
  ) {}

  private deposit = <F extends Fields>(def: EventDef<F>, value: FieldValues<F>): void => {
    this.records.push(concatBytes(this.phase, this.runtime.encodeEvent(def, value), NO_TOPICS))
  }

  private context(): DispatchContext {
    return {
      state: this.state,
      config: this.runtime.config,
      blockNumber: this.env.number,
      extrinsicIndex: this.extrinsicIndex,
      author: this.env.author,
      deposit: this.deposit,
      dispatch: (call, origin) => this.dispatchInTransaction(call, origin),
      dispatchWithPostInfo: (call, origin) => {
        const { error, actualWeight } = this.runInTransaction(call, origin)
        return { ...(error === undefined ? {} : { error }), ...(actualWeight === undefined ? {} : { actualWeight }) }
      },
    }
  }

  /** Runs `call` in a storage transaction: its changes and events are kept only if it succeeds. */
  private dispatchInTransaction(call: RuntimeCallValue, origin: Origin): DispatchErrorValue | undefined {
    return this.runInTransaction(call, origin).error
  }

  private runInTransaction(call: RuntimeCallValue, origin: Origin): { error?: DispatchErrorValue; paysFee?: boolean; actualWeight?: bigint } {
    const info = this.runtime.callInfo(call)
    const eventMark = this.records.length
    this.state.begin()
    try {
      const post = info.def.dispatch(this.context(), origin, call.value.value as never) ?? {}
      this.state.commit()
      // Substrate's `calc_actual_weight`: a call never uses more than it declared.
      if (post.actualWeight !== undefined && post.actualWeight > info.weight) return { ...post, actualWeight: info.weight }
      return post
    } catch (err) {
      this.state.rollback()
      this.records.length = eventMark
      if (err instanceof DispatchError) return { error: err.value }
      // A bug in a pallet must not halt the chain: the extrinsic fails with `Other`.
      if (err instanceof CrustError || err instanceof Error) return { error: { tag: 'Other', value: undefined } }
      throw err
    }
  }

  /**
   * Dispatches `call` as `origin` outside any extrinsic (no fee, no nonce): for root actions of
   * tests and tools. Events go to the current phase.
   */
  applyCall(call: RuntimeCallValue, origin: Origin): DispatchErrorValue | undefined {
    return this.dispatchInTransaction(call, origin)
  }

  /** Block initialization: number, parent hash, per-pallet `on_initialize`. */
  initialize(): void {
    const { number, parentHash } = this.env
    const state = this.state
    CurrentNumber.put(state, number)
    ParentHash.put(state, parentHash)
    if (number > 0) BlockHash.insert(state, number - 1, parentHash)
    state.delete(EVENTS_KEY)
    EventCount.kill(state)
    const ctx = { state, config: this.runtime.config, blockNumber: number, author: this.env.author, deposit: this.deposit }
    // Executive's `initialize_block`: the hooks' weight and the base block weight, as Mandatory.
    this.consumed.mandatory += BLOCK_EXECUTION_WEIGHT
    for (const p of this.runtime.pallets) if (p.onInitialize !== undefined) this.runHook(p, 'onInitialize', p.onInitialize, ctx)
    putBlockWeight(state, this.consumed)
  }

  /**
   * Runs a block hook and charges its storage accesses, counted by the overlay as it runs, to the
   * Mandatory class: Crust's hooks weigh themselves in RocksDbWeight reads and writes, here they
   * are counted rather than declared, so a hook cannot under-declare (the same count on every node).
   */
  private runHook(pallet: Pallet, hook: HookWeight['hook'], run: (ctx: BlockContext) => void, ctx: BlockContext): void {
    const state = this.state
    const reads0 = state.reads
    const writes0 = state.writes
    run(ctx)
    const reads = state.reads - reads0
    const writes = state.writes - writes0
    const weight = HOOK_BASE_WEIGHT + BigInt(reads) * DB_READ_WEIGHT + BigInt(writes) * DB_WRITE_WEIGHT
    this.consumed.mandatory += weight
    this.hookWeights.push({ pallet: pallet.name, hook, reads, writes, weight })
  }

  /** The block's weight so far, per dispatch class (what System.BlockWeight holds at the block's end). */
  get blockWeight(): Readonly<ConsumedWeight> {
    return this.consumed
  }

  /** Applies the timestamp inherent as extrinsic 0 and returns its bytes. */
  applyInherents(): Uint8Array {
    const call: RuntimeCallValue = { tag: 'Timestamp', value: { tag: 'set', value: { now: this.env.timestamp } } }
    const bytes = encodeUnsigned(this.runtime.encodeCall(call))
    this.beginExtrinsic()
    const info = this.runtime.callInfo(call)
    const result = this.runInTransaction(call, { kind: 'none' })
    if (result.error !== undefined) throw new CrustError('BLOCK_ERROR_INHERENT_FAILED', `the timestamp inherent failed: ${result.error.tag}`)
    // CheckWeight registers an inherent as any extrinsic, base weight included, in its class.
    this.consumed.mandatory += this.runtime.config.extrinsicBaseWeight + info.weight
    this.finishExtrinsic(
      { weight: { ref_time: info.weight, proof_size: 0n }, class: { tag: 'Mandatory', value: undefined }, pays_fee: { tag: 'No', value: undefined } },
      undefined,
    )
    this.extrinsics.push(bytes)
    return bytes
  }

  private beginExtrinsic(): void {
    this.phase = concatBytes(Uint8Array.of(0), new Uint8Array(new Uint32Array([this.extrinsicIndex]).buffer))
  }

  private finishExtrinsic(info: DispatchInfo, error: DispatchErrorValue | undefined): void {
    if (error === undefined) this.deposit(systemEvents.ExtrinsicSuccess, { dispatch_info: info })
    else this.deposit(systemEvents.ExtrinsicFailed, { dispatch_error: error, dispatch_info: info })
    this.extrinsicIndex++
  }

  /**
   * Applies a signed extrinsic whose signature was verified at validation. Cheap checks are
   * repeated against this block's state; a transaction that no longer fits is not included.
   */
  applySigned(xt: DecodedExtrinsic): ApplyOutcome {
    const signed = xt.signed
    if (signed === undefined) return { included: false, reason: 'stale' }
    const { runtime, state } = this
    const config = runtime.config
    const info = runtime.callInfo(xt.call)
    const weight = config.extrinsicBaseWeight + info.weight
    if (!fitsBlock(config, this.consumed, info.class, weight) || this.lengthUsed + xt.bytes.length > maxLengthFor(config, info.class)) {
      return { included: false, reason: 'full' }
    }
    if (this.env.number >= eraDeath(signed.era, this.env.number - 1)) return { included: false, reason: 'expired' }
    const who = signed.signer
    const account = Account.get(state, who)
    if (signed.nonce < account.nonce) return { included: false, reason: 'stale' }
    if (signed.nonce > account.nonce) return { included: false, reason: 'future' }
    const multiplier = feeMultiplier(state)
    const fee = info.paysFee ? inclusionFee(computeFee(config, xt.bytes.length, info.weight, multiplier)) : 0n
    try {
      ensureCanWithdraw(config, account, fee + signed.tip, true)
    } catch {
      return { included: false, reason: 'payment' }
    }

    this.beginExtrinsic()
    const ctx = { state, config, deposit: this.deposit, blockNumber: this.env.number }
    // Benefits' market fee reduction, for `market.calculate_reward` alone (Crust's CurrencyAdapter,
    // runtime/src/impls.rs:113-118): a waived fee is not taken from the payer but newly issued to
    // feed the usual split (the era's stakers bear it, as in Crust).
    const waived = fee > 0n && isFeeReducible(xt.call) && maybeReduceFee(ctx, who, fee)
    withdraw(ctx, who, (waived ? 0n : fee) + signed.tip, true)
    const paid = Account.get(state, who)
    Account.insert(state, who, { ...paid, nonce: paid.nonce + 1 })

    const result = this.runInTransaction(xt.call, { kind: 'signed', who })
    const paysFee = info.paysFee && result.paysFee !== false
    let actualFee = fee
    if (!paysFee) actualFee = 0n
    else if (result.actualWeight !== undefined && result.actualWeight < info.weight) {
      actualFee = inclusionFee(computeFee(config, xt.bytes.length, result.actualWeight, multiplier))
    }
    if (actualFee < fee && !waived) depositInto(ctx, who, fee - actualFee)
    distributeFee(ctx, this.env.author, actualFee + signed.tip)
    this.deposit(paymentEvents.TransactionFeePaid, { who, actual_fee: actualFee, tip: signed.tip })
    const usedWeight = config.extrinsicBaseWeight + (result.actualWeight ?? info.weight)
    this.finishExtrinsic(
      {
        weight: { ref_time: usedWeight, proof_size: 0n },
        class: { tag: info.class, value: undefined },
        pays_fee: { tag: paysFee ? 'Yes' : 'No', value: undefined },
      },
      result.error,
    )
    this.consumed[classKey(info.class)] += usedWeight
    this.lengthUsed += xt.bytes.length
    this.extrinsics.push(xt.bytes)
    return result.error === undefined ? { included: true, success: true } : { included: true, success: false, error: result.error }
  }

  /**
   * Block finalization: per-pallet `on_finalize` (charged as Mandatory, as the hooks of initialize),
   * the fee multiplier, old block hashes pruned, the block weight and events written.
   */
  finalize(): void {
    this.phase = PHASE_FINALIZATION
    const ctx = { state: this.state, config: this.runtime.config, blockNumber: this.env.number, author: this.env.author, deposit: this.deposit }
    for (const p of this.runtime.pallets) if (p.onFinalize !== undefined) this.runHook(p, 'onFinalize', p.onFinalize, ctx)
    // transaction_payment's on_finalize: the next block's fee multiplier from this block's normal weight.
    const config = this.runtime.config
    NextFeeMultiplier.put(this.state, nextFeeMultiplier(NextFeeMultiplier.get(this.state), this.consumed.normal, normalMaxWeight(config)))
    putBlockWeight(this.state, this.consumed)
    // The hashes of the last `blockHashCount` blocks, and genesis' forever (as frame_system keeps
    // it): signatures bound to the chain (immortal transactions, finality vote evidence) name it.
    const keep = this.runtime.config.blockHashCount
    if (this.env.number > keep + 1) BlockHash.remove(this.state, this.env.number - keep - 1)
    this.state.set(EVENTS_KEY, concatBytes(encodeCompact(this.records.length), ...this.records))
    EventCount.put(this.state, this.records.length)
  }

  get eventCount(): number {
    return this.records.length
  }
}
