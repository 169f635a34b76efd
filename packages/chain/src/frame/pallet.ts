/**
 * How a pallet declares itself: its calls (with typed arguments), events, errors, storage items and
 * constants in one place. The runtime generates metadata, decodes calls and dispatches them from
 * these declarations.
 */
import { CrustError } from '@crust-ts/base'
import type { Fields, FieldValues, ScaleType } from '../primitives/codec/scale-type.js'
import type { RuntimeConfig } from './config.js'
import type { StorageAccess, StorageItem } from './storage.js'
import type { DispatchClass, DispatchErrorValue } from '../primitives/substrate-types.js'

/** Who is calling: the root (sudo), a signed account, or nobody (inherents). */
export type Origin = { kind: 'root' } | { kind: 'signed'; who: Uint8Array; filter?: CallFilter } | { kind: 'none' }

/**
 * A signed origin's call filter (Substrate's origin filters): a proxy's origin only dispatches what
 * its proxy type allows, also inside batches. Checked by the pallets that dispatch nested calls.
 */
export type CallFilter = (call: RuntimeCallValue) => boolean

/** A decoded runtime call: `{ tag: pallet name, value: { tag: call name, value: args } }`. */
export interface RuntimeCallValue {
  tag: string
  value: { tag: string; value: Record<string, unknown> }
}

/** A failed dispatch; its value is encoded into `System.ExtrinsicFailed`. */
export class DispatchError extends CrustError {
  constructor(
    readonly value: DispatchErrorValue,
    message: string,
  ) {
    super('DISPATCH_ERROR', message, { error: value.tag })
  }

  static badOrigin(): DispatchError {
    return new DispatchError({ tag: 'BadOrigin', value: undefined }, 'bad origin')
  }

  static cannotLookup(): DispatchError {
    return new DispatchError({ tag: 'CannotLookup', value: undefined }, 'cannot look up the account')
  }

  static arithmetic(kind: 'Underflow' | 'Overflow' | 'DivisionByZero'): DispatchError {
    return new DispatchError({ tag: 'Arithmetic', value: { tag: kind, value: undefined } }, `arithmetic ${kind.toLowerCase()}`)
  }
}

/** A pallet error (`Module` dispatch error); bound to its pallet by {@link definePallet}. */
export interface ErrorDef {
  readonly name: string
  readonly index: number
  readonly docs: string[]
  pallet?: { index: number; name: string }
}

export function errors<const E extends Record<string, readonly [number, string]>>(spec: E): { [K in keyof E]: ErrorDef } {
  return Object.fromEntries(Object.entries(spec).map(([name, [index, doc]]) => [name, { name, index, docs: [doc] }])) as { [K in keyof E]: ErrorDef }
}

/** The dispatch error to throw for a pallet error. */
export function moduleError(def: ErrorDef): DispatchError {
  if (def.pallet === undefined) throw new Error(`error ${def.name} is not bound to a pallet`)
  const error = new Uint8Array(4)
  error[0] = def.index
  return new DispatchError({ tag: 'Module', value: { index: def.pallet.index, error } }, `${def.pallet.name}.${def.name}: ${def.docs[0] ?? ''}`)
}

/** A pallet event; bound to its pallet by {@link definePallet}. */
export interface EventDef<F extends Fields = Fields> {
  readonly name: string
  readonly index: number
  readonly fields: F
  /** True for Rust tuple-style events (`FileSuccess(AccountId, MerkleRoot)`): fields are unnamed. */
  readonly unnamed: boolean
  readonly docs: string[]
  pallet?: { index: number; name: string }
}

export function event<F extends Fields>(index: number, fields: F, doc = '', unnamed = false): EventDef<F> {
  return { name: '', index, fields, unnamed, docs: doc === '' ? [] : [doc] }
}

export interface PostDispatchInfo {
  /** The weight actually used, if less than declared (refunded in the fee). */
  actualWeight?: bigint
  /** Set to false when the call turns out not to pay a fee (Crust's free work reports). */
  paysFee?: boolean
}

/** What a call's dispatch function sees. */
export interface DispatchContext {
  readonly state: StorageAccess
  readonly config: RuntimeConfig
  readonly blockNumber: number
  /** The index of the extrinsic being applied in its block (multisig timepoints name it). */
  readonly extrinsicIndex?: number
  /** The block author, who receives the author's share of fees. */
  readonly author: Uint8Array
  deposit<F extends Fields>(event: EventDef<F>, value: FieldValues<F>): void
  /** Dispatches `call` as `origin` in its own storage transaction; returns its error, if any. */
  dispatch(call: RuntimeCallValue, origin: Origin): DispatchErrorValue | undefined
}

export interface CallDef<A extends Fields = Fields> {
  readonly index: number
  readonly args: A
  readonly docs?: string[]
  /** Ref-time weight, before the extrinsic base weight. */
  readonly weight: bigint | ((args: FieldValues<A>) => bigint)
  /** Normal unless given; a function for calls that take the class of a call they carry. */
  readonly class?: DispatchClass | ((args: FieldValues<A>) => DispatchClass)
  readonly paysFee?: boolean
  // biome-ignore lint/suspicious/noConfusingVoidType: most calls return nothing
  dispatch(ctx: DispatchContext, origin: Origin, args: FieldValues<A>): void | PostDispatchInfo
}

/**
 * What a call that carries another call (utility, proxy) learns of it before dispatch: Substrate's
 * `call.get_dispatch_info()`, its ref-time weight (without the extrinsic base) and dispatch class.
 */
export interface CarriedCallInfo {
  readonly weight: bigint
  readonly class: DispatchClass
}
export type CarriedCallInfoOf = (call: RuntimeCallValue) => CarriedCallInfo

/** Declares a call; a function so TypeScript infers the argument types of `dispatch`. */
export function call<A extends Fields>(def: CallDef<A>): CallDef<A> {
  return def
}

export interface ConstantDef<T = unknown> {
  readonly type: ScaleType<T>
  readonly value: (config: RuntimeConfig) => T
  readonly docs?: string[]
}

export function constant<T>(type: ScaleType<T>, value: (config: RuntimeConfig) => T, doc?: string): ConstantDef<T> {
  return doc === undefined ? { type, value } : { type, value, docs: [doc] }
}

/** Per-block hooks. */
export interface BlockContext {
  readonly state: StorageAccess
  readonly config: RuntimeConfig
  readonly blockNumber: number
  /** The block's author, when the block is being executed (staking's authoring points). */
  readonly author?: Uint8Array
  deposit<F extends Fields>(event: EventDef<F>, value: FieldValues<F>): void
}

export interface PalletInit {
  name: string
  index: number
  /** The Rust crate path of the pallet, for metadata type paths (`pallet_balances`). */
  path: string
  calls?: Record<string, AnyCallDef>
  events?: Record<string, EventDef<Fields>>
  errors?: Record<string, ErrorDef>
  storage?: StorageItem[]
  constants?: Record<string, AnyConstantDef>
  onInitialize?: (ctx: BlockContext) => void
  onFinalize?: (ctx: BlockContext) => void
}

export interface Pallet extends PalletInit {
  readonly calls: Record<string, AnyCallDef>
  readonly events: Record<string, EventDef<Fields>>
  readonly errors: Record<string, ErrorDef>
  readonly storage: StorageItem[]
  readonly constants: Record<string, AnyConstantDef>
}

/** Declares a pallet and binds its events and errors to its index. */
export function definePallet(init: PalletInit): Pallet {
  const bind = { index: init.index, name: init.name }
  const events = init.events ?? {}
  for (const [name, def] of Object.entries(events)) {
    if (def.pallet !== undefined && def.pallet.index !== init.index) throw new Error(`event ${name} belongs to another pallet`)
    ;(def as { name: string }).name = name
    def.pallet = bind
  }
  const errs = init.errors ?? {}
  for (const def of Object.values(errs)) def.pallet = bind
  return {
    ...init,
    calls: init.calls ?? {},
    events,
    errors: errs,
    storage: init.storage ?? [],
    constants: init.constants ?? {},
  }
}

export function ensureSigned(origin: Origin): Uint8Array {
  if (origin.kind !== 'signed') throw DispatchError.badOrigin()
  return origin.who
}

export function ensureRoot(origin: Origin): void {
  if (origin.kind !== 'root') throw DispatchError.badOrigin()
}

export function ensureNone(origin: Origin): void {
  if (origin.kind !== 'none') throw DispatchError.badOrigin()
}

// biome-ignore lint/suspicious/noExplicitAny: a pallet holds calls of many argument types
export type AnyCallDef = CallDef<any>
// biome-ignore lint/suspicious/noExplicitAny: a pallet holds constants of many types
export type AnyConstantDef = ConstantDef<any>
