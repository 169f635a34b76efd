/**
 * `pallet_utility` as Substrate has it: `batch`, `batch_all`, `dispatch_as`, `force_batch`,
 * `as_derivative` and `with_weight`, with its events. Crust Apps sends `batchAll([bond, validate])`
 * for a new validator and `batch` of payouts. (Crust's own pallet_utility, of 2021, has `batch`,
 * `as_derivative` and `batch_all` only.) As Substrate's, the calls that carry calls take their
 * dispatch class from what they carry.
 */
import { type AnyType, accountId32, enumeration, type Infer, named, u16, u32, vec } from '../primitives/codec/scale-type.js'
import {
  type CarriedCallInfoOf,
  call,
  constant,
  DispatchError,
  type DispatchContext,
  definePallet,
  ensureRoot,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Origin,
  type Pallet,
  type RuntimeCallValue,
} from '../frame/pallet.js'
import { concatBytes, blake2_256 } from '../primitives/hashing.js'
import { type DispatchClass, dispatchErrorType, type DispatchErrorValue, weight } from '../primitives/substrate-types.js'
import { dispatchResult } from './sudo.js'
import { systemErrors } from './system.js'

/** Substrate's `batched_calls_limit` is `u16::MAX / size_of::<RuntimeCall>()`; this is the same order for a small call enum. */
export const BATCHED_CALLS_LIMIT = 10_922

// pallet_utility's benchmarked base weights (Substrate's defaults, rounded), on top of the calls' own.
const BATCH_BASE = 5_000_000n
const BATCH_PER_CALL = 4_000_000n
const AS_DERIVATIVE_BASE = 4_000_000n
const DISPATCH_AS_BASE = 10_000_000n

/** `frame_support::dispatch::RawOrigin`: the system origins a call can be dispatched as. */
export const rawOrigin = enumeration(
  ['frame_support', 'dispatch', 'RawOrigin'],
  { Root: { index: 0 }, Signed: { index: 1, value: accountId32 }, None: { index: 2 } },
  { params: (lookup) => [{ name: 'AccountId', type: lookup.idOf(accountId32) }] },
)

/**
 * The runtime's `OriginCaller` (`T::PalletsOrigin`): one variant per pallet that has an origin,
 * at the pallet's index. Only System has one here (no collectives), so it is `system(RawOrigin)`.
 */
export const originCaller = enumeration(['crust_runtime', 'OriginCaller'], { system: { index: 0, value: rawOrigin } })
export type OriginCallerValue = Infer<typeof originCaller>

/** The dispatch origin an `OriginCaller` stands for, without any call filter (Substrate's `dispatch_bypass_filter`). */
export function originOf(caller: OriginCallerValue): Origin {
  const raw = caller.value
  if (raw.tag === 'Root') return { kind: 'root' }
  if (raw.tag === 'Signed') return { kind: 'signed', who: raw.value }
  return { kind: 'none' }
}

export const events = {
  BatchInterrupted: event(
    0,
    { index: u32, error: dispatchErrorType },
    'Batch of dispatches did not complete fully. Index of first failing dispatch given, as well as the error.',
  ),
  BatchCompleted: event(1, {}, 'Batch of dispatches completed fully with no error.'),
  BatchCompletedWithErrors: event(2, {}, 'Batch of dispatches completed but has errors.'),
  ItemCompleted: event(3, {}, 'A single item within a Batch of dispatches has completed with no error.'),
  ItemFailed: event(4, { error: dispatchErrorType }, 'A single item within a Batch of dispatches has completed with error.'),
  DispatchedAs: event(5, { result: dispatchResult }, 'A call was dispatched.'),
}

export const utilityErrors = errors({ TooManyCalls: [0, 'Too many calls batched.'] })

/** The error of a call its origin's filter refuses (`frame_system::Error::CallFiltered`). */
function callFiltered(): DispatchError {
  // System's errors are bound when the system pallet is defined; fall back to its fixed index 0.
  return systemErrors.CallFiltered.pallet === undefined
    ? new DispatchError({ tag: 'Module', value: { index: 0, error: Uint8Array.of(5, 0, 0, 0) } }, 'System.CallFiltered')
    : moduleError(systemErrors.CallFiltered)
}

/**
 * Dispatches `call` as `origin` in its own storage transaction, after the origin's filter (a
 * proxy's type): what utility, proxy and multisig use for the calls they carry.
 */
export function dispatchFiltered(ctx: DispatchContext, call: RuntimeCallValue, origin: Origin): DispatchErrorValue | undefined {
  if (origin.kind === 'signed' && origin.filter !== undefined && !origin.filter(call)) return callFiltered().value
  return ctx.dispatch(call, origin)
}

/** Substrate's `derivative_account_id(who, index)`: blake2_256(("modlpy/utilisuba", who, index)). */
export function derivativeAccountId(who: Uint8Array, index: number): Uint8Array {
  const idx = new Uint8Array(2)
  new DataView(idx.buffer).setUint16(0, index, true)
  return blake2_256(concatBytes(new TextEncoder().encode('modlpy/utilisuba'), who, idx))
}

/**
 * `runtimeCall` is the runtime's call type; `carried` gives a carried call's weight and class
 * (Substrate's `get_dispatch_info()`), from which utility's calls take theirs.
 */
export function utilityPallet(index: number, runtimeCall: AnyType, carried: CarriedCallInfoOf): Pallet {
  const calls = named(vec(runtimeCall), 'Vec<<T as Config>::RuntimeCall>')
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  const callWeight = (c: RuntimeCallValue) => carried(c).weight
  const carriedClass = (args: { call: unknown }) => carried(args.call as RuntimeCallValue).class
  const batchWeight = (args: { calls: RuntimeCallValue[] }) => args.calls.reduce((sum, c) => sum + callWeight(c) + BATCH_PER_CALL, BATCH_BASE)
  // pallet_utility's `weight_and_dispatch_class`: a fold from Operational that turns Normal at the
  // first Normal call, so a batch of Operational (or Mandatory) calls, and an empty one, is Operational.
  const batchClass = (args: { calls: RuntimeCallValue[] }): DispatchClass => (args.calls.some((c) => carried(c).class === 'Normal') ? 'Normal' : 'Operational')
  const checkBatch = (origin: Origin, list: RuntimeCallValue[]) => {
    if (origin.kind === 'none') throw DispatchError.badOrigin()
    if (list.length > BATCHED_CALLS_LIMIT) throw moduleError(utilityErrors.TooManyCalls)
  }
  return definePallet({
    name: 'Utility',
    index,
    path: 'pallet_utility',
    calls: {
      batch: call({
        index: 0,
        args: { calls },
        weight: batchWeight,
        class: batchClass,
        docs: ['Send a batch of dispatch calls; stops at the first failing one (BatchInterrupted) and succeeds.'],
        dispatch: (ctx, origin, args) => {
          checkBatch(origin, args.calls)
          for (const [i, c] of args.calls.entries()) {
            const error = dispatchFiltered(ctx, c, origin)
            if (error !== undefined) {
              ctx.deposit(events.BatchInterrupted, { index: i, error })
              return
            }
            ctx.deposit(events.ItemCompleted, {})
          }
          ctx.deposit(events.BatchCompleted, {})
        },
      }),
      as_derivative: call({
        index: 1,
        args: { index: u16, call: boxedCall },
        weight: (args) => AS_DERIVATIVE_BASE + callWeight(args.call as RuntimeCallValue),
        class: carriedClass,
        docs: ['Send a call through an indexed pseudonym of the sender.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const filter = origin.kind === 'signed' ? origin.filter : undefined
          const derived: Origin = { kind: 'signed', who: derivativeAccountId(who, args.index), ...(filter === undefined ? {} : { filter }) }
          const error = dispatchFiltered(ctx, args.call as RuntimeCallValue, derived)
          if (error !== undefined) throw new DispatchError(error, `as_derivative: the call failed (${error.tag})`)
        },
      }),
      batch_all: call({
        index: 2,
        args: { calls },
        weight: batchWeight,
        class: batchClass,
        docs: ['Send a batch of dispatch calls and atomically execute them: any failure reverts them all.'],
        dispatch: (ctx, origin, args) => {
          checkBatch(origin, args.calls)
          for (const c of args.calls) {
            // The whole batch runs in the extrinsic's storage transaction: throwing reverts it.
            const error = dispatchFiltered(ctx, c, origin)
            if (error !== undefined) throw new DispatchError(error, `batch_all: a call failed (${error.tag})`)
            ctx.deposit(events.ItemCompleted, {})
          }
          ctx.deposit(events.BatchCompleted, {})
        },
      }),
      dispatch_as: call({
        index: 3,
        args: { as_origin: named(originCaller, 'Box<T::PalletsOrigin>'), call: boxedCall },
        // As Substrate's: the carried call's weight plus dispatch_as's own, in the carried call's class.
        weight: (args) => DISPATCH_AS_BASE + callWeight(args.call as RuntimeCallValue),
        class: carriedClass,
        docs: ['Dispatches a function call with a provided origin (root only); the result is in the `DispatchedAs` event.'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          // As Substrate: the call's own failure does not fail dispatch_as; it is reported in the event.
          const error = ctx.dispatch(args.call as RuntimeCallValue, originOf(args.as_origin))
          ctx.deposit(events.DispatchedAs, { result: error === undefined ? { tag: 'Ok', value: undefined } : { tag: 'Err', value: error } })
        },
      }),
      force_batch: call({
        index: 4,
        args: { calls },
        weight: batchWeight,
        class: batchClass,
        docs: ['Send a batch of dispatch calls; failing ones are skipped (ItemFailed) and the rest still run.'],
        dispatch: (ctx, origin, args) => {
          checkBatch(origin, args.calls)
          let failed = false
          for (const c of args.calls) {
            const error = dispatchFiltered(ctx, c, origin)
            if (error === undefined) ctx.deposit(events.ItemCompleted, {})
            else {
              failed = true
              ctx.deposit(events.ItemFailed, { error })
            }
          }
          ctx.deposit(failed ? events.BatchCompletedWithErrors : events.BatchCompleted, {})
        },
      }),
      with_weight: call({
        index: 5,
        args: { call: boxedCall, weight },
        weight: (args) => args.weight.ref_time,
        class: carriedClass,
        docs: ['Dispatch a function call with a specified weight (root only).'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          const error = dispatchFiltered(ctx, args.call as RuntimeCallValue, origin)
          if (error !== undefined) throw new DispatchError(error, `with_weight: the call failed (${error.tag})`)
        },
      }),
    },
    events,
    errors: utilityErrors,
    constants: {
      batched_calls_limit: constant(u32, () => BATCHED_CALLS_LIMIT, 'The limit on the number of batched calls.'),
    },
  })
}
