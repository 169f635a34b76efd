/**
 * `pallet_multisig` as Substrate has it (as_multi_threshold_1, as_multi, approve_as_multi,
 * cancel_as_multi), with Crust's deposits: DepositBase = deposit(1, 88), DepositFactor =
 * deposit(0, 32), MaxSignatories 100 (crustio/crust runtime/src/lib.rs), and Crust's weights
 * (runtime/src/weights/pallet_multisig.rs) combined by Substrate's rules: `as_multi_threshold_1`
 * weighs and classes as the call it carries; `as_multi` reserves `max_weight` for it and, when it
 * executes it, is charged what the call reports having used.
 */
import { type AnyType, accountId32, fixedBytes, type Infer, named, option, struct, u16, u32, u128, vec } from '../primitives/codec/scale-type.js'
import {
  type CarriedCallInfoOf,
  call,
  constant,
  DispatchError,
  definePallet,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Pallet,
  type PostDispatchInfo,
  type RuntimeCallValue,
} from '../frame/pallet.js'
import { optionalDoubleMap } from '../frame/storage.js'
import { blake2_256, concatBytes } from '../primitives/hashing.js'
import { encodeCompact } from '../primitives/compact.js'
import { weight } from '../primitives/substrate-types.js'
import { reserve, unreserve } from './balances.js'
import { dispatchResult } from './sudo.js'
import { dispatchFilteredWithPostInfo } from './utility.js'
import { crustDeposit } from './deposit.js'

const PALLET = 'Multisig'
const account = named(accountId32, 'T::AccountId')
const balance = named(u128, 'BalanceOf<T>')
const callHash = fixedBytes(32)

export const DEPOSIT_BASE = crustDeposit(1, 88)
export const DEPOSIT_FACTOR = crustDeposit(0, 32)
export const MAX_SIGNATORIES = 100

export const timepoint = struct(
  ['pallet_multisig', 'Timepoint'],
  { height: named(u32, 'BlockNumber'), index: u32 },
  { params: [{ name: 'BlockNumber', type: null }] },
)
export type Timepoint = Infer<typeof timepoint>

const multisig = struct(
  ['pallet_multisig', 'Multisig'],
  { when: timepoint, deposit: balance, depositor: account, approvals: named(vec(account), 'BoundedVec<AccountId, MaxApprovals>') },
  {
    params: [
      { name: 'BlockNumber', type: null },
      { name: 'Balance', type: null },
      { name: 'AccountId', type: null },
      { name: 'MaxApprovals', type: null },
    ],
  },
)

export const Multisigs = optionalDoubleMap({
  pallet: PALLET,
  name: 'Multisigs',
  hashers: ['Twox64Concat', 'Blake2_128Concat'],
  key1: account,
  key2: callHash,
  value: multisig,
  docs: ['The set of open multisig operations.'],
})

export const events = {
  NewMultisig: event(0, { approving: account, multisig: account, call_hash: callHash }, 'A new multisig operation has begun.'),
  MultisigApproval: event(1, { approving: account, timepoint, multisig: account, call_hash: callHash }, 'A multisig operation has been approved by someone.'),
  MultisigExecuted: event(
    2,
    { approving: account, timepoint, multisig: account, call_hash: callHash, result: dispatchResult },
    'A multisig operation has been executed.',
  ),
  MultisigCancelled: event(3, { cancelling: account, timepoint, multisig: account, call_hash: callHash }, 'A multisig operation has been cancelled.'),
}

export const multisigErrors = errors({
  MinimumThreshold: [0, 'Threshold must be 2 or greater.'],
  AlreadyApproved: [1, 'Call is already approved by this signatory.'],
  NoApprovalsNeeded: [2, "Call doesn't need any (more) approvals."],
  TooFewSignatories: [3, 'There are too few signatories in the list.'],
  TooManySignatories: [4, 'There are too many signatories in the list.'],
  SignatoriesOutOfOrder: [5, 'The signatories were provided out of order; they should be ordered.'],
  SenderInSignatories: [6, "The sender was contained in the other signatories; it shouldn't be."],
  NotFound: [7, 'Multisig operation not found when attempting to cancel.'],
  NotOwner: [8, 'Only the account that originally created the multisig is able to cancel it.'],
  NoTimepoint: [9, 'No timepoint was given, yet the multisig operation is already underway.'],
  WrongTimepoint: [10, 'A different timepoint was given to the multisig operation that is underway.'],
  UnexpectedTimepoint: [11, 'A timepoint was given, yet no multisig operation is underway.'],
  MaxWeightTooLow: [12, 'The maximum weight information provided was too low.'],
  AlreadyStored: [13, 'The data to be stored is already stored.'],
})

const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** Substrate's `multi_account_id`: blake2_256(("modlpy/utilisuba", sorted signatories, threshold)); @polkadot/util-crypto's createKeyMulti. */
export function multiAccountId(signatories: Uint8Array[], threshold: number): Uint8Array {
  const t = new Uint8Array(2)
  new DataView(t.buffer).setUint16(0, threshold, true)
  return blake2_256(concatBytes(new TextEncoder().encode('modlpy/utilisuba'), encodeCompact(signatories.length), ...signatories, t))
}

/** `ensure_sorted_and_insert`: the others strictly ascending and without the sender; returns all signatories sorted. */
function signatoriesWith(others: Uint8Array[], who: Uint8Array): Uint8Array[] {
  if (others.length === 0) throw moduleError(multisigErrors.TooFewSignatories)
  if (others.length >= MAX_SIGNATORIES) throw moduleError(multisigErrors.TooManySignatories)
  for (let i = 1; i < others.length; i++) if (compare(others[i - 1]!, others[i]!) >= 0) throw moduleError(multisigErrors.SignatoriesOutOfOrder)
  if (others.some((o) => compare(o, who) === 0)) throw moduleError(multisigErrors.SenderInSignatories)
  return [...others, who].sort(compare)
}

const sameTimepoint = (a: Timepoint, b: Timepoint) => a.height === b.height && a.index === b.index

const asResult = (err: ReturnType<typeof dispatchFilteredWithPostInfo>['error']) =>
  err === undefined ? ({ tag: 'Ok', value: undefined } as const) : ({ tag: 'Err', value: err } as const)

/**
 * Crust's pallet_multisig weights (crustio/crust runtime/src/weights/pallet_multisig.rs:46-121,
 * with RocksDbWeight: a read 25·10^6, a write 10^8); `s` is the number of other signatories, `z`
 * the carried call's encoded length.
 */
const DB_READ = 25_000_000n
const DB_WRITE = 100_000_000n
const linear = (base: bigint, perS: bigint, perZ: bigint, reads: bigint, writes: bigint) => (s: number, z: number) =>
  base + perS * BigInt(s) + perZ * BigInt(z) + reads * DB_READ + writes * DB_WRITE
export const MULTISIG_WEIGHTS = {
  asMultiThreshold1: (_z: number) => 10_273_000n,
  asMultiCreate: linear(50_795_000n, 85_000n, 1_000n, 2n, 1n),
  asMultiApprove: linear(29_190_000n, 86_000n, 1_000n, 1n, 1n),
  asMultiComplete: linear(73_267_000n, 195_000n, 4_000n, 3n, 3n),
  approveAsMultiCreate: (s: number) => linear(50_201_000n, 83_000n, 0n, 2n, 1n)(s, 0),
  approveAsMultiApprove: (s: number) => linear(28_525_000n, 88_000n, 0n, 1n, 1n)(s, 0),
  cancelAsMulti: (s: number) => linear(86_776_000n, 86_000n, 0n, 2n, 2n)(s, 0),
}
// biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
const max = (...xs: bigint[]) => xs.reduce((a, b) => (a > b ? a : b))

/**
 * `runtimeCall` is the runtime's call type; `encodeCall` and `carried` hash, measure and weigh
 * carried calls (`carried` is Substrate's `call.get_dispatch_info()`).
 */
export function multisigPallet(index: number, runtimeCall: AnyType, encodeCall: (call: RuntimeCallValue) => Uint8Array, carried: CarriedCallInfoOf): Pallet {
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  const others = named(vec(account), 'Vec<T::AccountId>')
  const maybeTimepoint = option(timepoint)

  type Operate = {
    threshold: number
    other_signatories: Uint8Array[]
    maybe_timepoint: Timepoint | undefined
    call?: RuntimeCallValue
    call_hash: Uint8Array
    max_weight: bigint
  }
  // pallet_multisig's `operate` (polkadot-sdk substrate/frame/multisig/src/lib.rs); its result is
  // the weight actually used: create or approve alone, or complete plus what the executed call
  // reports (the declared maximum when it reports nothing, as `get_result_weight` gives None).
  const operate = (ctx: Parameters<Parameters<typeof call>[0]['dispatch']>[0], who: Uint8Array, op: Operate): PostDispatchInfo => {
    if (op.threshold < 2) throw moduleError(multisigErrors.MinimumThreshold)
    const signatories = signatoriesWith(op.other_signatories, who)
    const s = op.other_signatories.length
    const id = multiAccountId(signatories, op.threshold)
    const callLen = op.call === undefined ? 0 : encodeCall(op.call).length
    const open = Multisigs.get(ctx.state, id, op.call_hash)
    if (open !== undefined) {
      if (op.maybe_timepoint === undefined) throw moduleError(multisigErrors.NoTimepoint)
      if (!sameTimepoint(open.when, op.maybe_timepoint)) throw moduleError(multisigErrors.WrongTimepoint)
      // Substrate counts a new approval only while below the threshold.
      const approving = !open.approvals.some((a) => compare(a, who) === 0) && open.approvals.length < op.threshold
      const approvals = open.approvals.length + (approving ? 1 : 0)
      if (op.call !== undefined && approvals >= op.threshold) {
        // `call.get_dispatch_info().call_weight.all_lte(max_weight)`
        if (carried(op.call).weight > op.max_weight) throw moduleError(multisigErrors.MaxWeightTooLow)
        Multisigs.remove(ctx.state, id, op.call_hash)
        unreserve(ctx, open.depositor, open.deposit)
        const outcome = dispatchFilteredWithPostInfo(ctx, op.call, { kind: 'signed', who: id })
        ctx.deposit(events.MultisigExecuted, { approving: who, timepoint: open.when, multisig: id, call_hash: op.call_hash, result: asResult(outcome.error) })
        return outcome.actualWeight === undefined ? {} : { actualWeight: MULTISIG_WEIGHTS.asMultiComplete(s, callLen) + outcome.actualWeight }
      }
      if (!approving) throw moduleError(multisigErrors.AlreadyApproved)
      const next = [...open.approvals, who].sort(compare)
      Multisigs.insert(ctx.state, id, op.call_hash, { ...open, approvals: next })
      ctx.deposit(events.MultisigApproval, { approving: who, timepoint: open.when, multisig: id, call_hash: op.call_hash })
      return { actualWeight: MULTISIG_WEIGHTS.asMultiApprove(s, callLen) }
    }
    if (op.maybe_timepoint !== undefined) throw moduleError(multisigErrors.UnexpectedTimepoint)
    const deposit = DEPOSIT_BASE + DEPOSIT_FACTOR * BigInt(op.threshold)
    reserve(ctx, who, deposit)
    Multisigs.insert(ctx.state, id, op.call_hash, {
      when: { height: ctx.blockNumber, index: ctx.extrinsicIndex ?? 0 },
      deposit,
      depositor: who,
      approvals: [who],
    })
    ctx.deposit(events.NewMultisig, { approving: who, multisig: id, call_hash: op.call_hash })
    return { actualWeight: MULTISIG_WEIGHTS.asMultiCreate(s, callLen) }
  }

  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_multisig',
    storage: [Multisigs],
    calls: {
      as_multi_threshold_1: call({
        index: 0,
        args: { other_signatories: others, call: boxedCall },
        // `T::WeightInfo::as_multi_threshold_1(z) + DbWeight::reads_writes(1, 1) + dispatch_info.call_weight`,
        // in `dispatch_info.class` (the account data of the call's origin is read and written).
        weight: (args) => {
          const inner = args.call as RuntimeCallValue
          return MULTISIG_WEIGHTS.asMultiThreshold1(encodeCall(inner).length) + DB_READ + DB_WRITE + carried(inner).weight
        },
        class: (args) => carried(args.call as RuntimeCallValue).class,
        docs: ['Immediately dispatch a multi-signature call using a single approval from the caller.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const inner = args.call as RuntimeCallValue
          const id = multiAccountId(signatoriesWith(args.other_signatories, who), 1)
          const outcome = dispatchFilteredWithPostInfo(ctx, inner, { kind: 'signed', who: id })
          if (outcome.error !== undefined) throw new DispatchError(outcome.error, `as_multi_threshold_1: the call failed (${outcome.error.tag})`)
          // What the call reports having used plus as_multi_threshold_1's own; else the declared weight.
          return outcome.actualWeight === undefined
            ? undefined
            : { actualWeight: MULTISIG_WEIGHTS.asMultiThreshold1(encodeCall(inner).length) + outcome.actualWeight }
        },
      }),
      as_multi: call({
        index: 1,
        args: { threshold: u16, other_signatories: others, maybe_timepoint: maybeTimepoint, call: boxedCall, max_weight: weight },
        // `as_multi_create(s, z).max(as_multi_approve(s, z)).max(as_multi_complete(s, z)) + max_weight`, Normal.
        weight: (args) => {
          const s = args.other_signatories.length
          const z = encodeCall(args.call as RuntimeCallValue).length
          const w = MULTISIG_WEIGHTS
          return max(w.asMultiCreate(s, z), w.asMultiApprove(s, z), w.asMultiComplete(s, z)) + args.max_weight.ref_time
        },
        docs: ['Register approval for a dispatch to be made from a deterministic composite account; dispatch it at the last approval.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const inner = args.call as RuntimeCallValue
          return operate(ctx, who, {
            threshold: args.threshold,
            other_signatories: args.other_signatories,
            maybe_timepoint: args.maybe_timepoint,
            call: inner,
            call_hash: blake2_256(encodeCall(inner)),
            max_weight: args.max_weight.ref_time,
          })
        },
      }),
      approve_as_multi: call({
        index: 2,
        args: { threshold: u16, other_signatories: others, maybe_timepoint: maybeTimepoint, call_hash: callHash, max_weight: weight },
        // `approve_as_multi_create(s).max(approve_as_multi_approve(s)) + max_weight`
        weight: (args) => {
          const s = args.other_signatories.length
          return max(MULTISIG_WEIGHTS.approveAsMultiCreate(s), MULTISIG_WEIGHTS.approveAsMultiApprove(s)) + args.max_weight.ref_time
        },
        docs: ['Register approval for a dispatch to be made from a deterministic composite account.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          return operate(ctx, who, {
            threshold: args.threshold,
            other_signatories: args.other_signatories,
            maybe_timepoint: args.maybe_timepoint,
            call_hash: args.call_hash,
            max_weight: args.max_weight.ref_time,
          })
        },
      }),
      cancel_as_multi: call({
        index: 3,
        args: { threshold: u16, other_signatories: others, timepoint, call_hash: callHash },
        weight: (args) => MULTISIG_WEIGHTS.cancelAsMulti(args.other_signatories.length),
        docs: ['Cancel a pre-existing, on-going multisig transaction; the deposit goes back to the depositor.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          if (args.threshold < 2) throw moduleError(multisigErrors.MinimumThreshold)
          const id = multiAccountId(signatoriesWith(args.other_signatories, who), args.threshold)
          const open = Multisigs.get(ctx.state, id, args.call_hash)
          if (open === undefined) throw moduleError(multisigErrors.NotFound)
          if (!sameTimepoint(open.when, args.timepoint)) throw moduleError(multisigErrors.WrongTimepoint)
          if (compare(open.depositor, who) !== 0) throw moduleError(multisigErrors.NotOwner)
          unreserve(ctx, open.depositor, open.deposit)
          Multisigs.remove(ctx.state, id, args.call_hash)
          ctx.deposit(events.MultisigCancelled, { cancelling: who, timepoint: args.timepoint, multisig: id, call_hash: args.call_hash })
        },
      }),
    },
    events,
    errors: multisigErrors,
    constants: {
      DepositBase: constant(
        balance,
        () => DEPOSIT_BASE,
        'The base amount of currency needed to reserve for creating a multisig execution or to store a dispatch call for later.',
      ),
      DepositFactor: constant(balance, () => DEPOSIT_FACTOR, 'The amount of currency needed per unit threshold when creating a multisig execution.'),
      MaxSignatories: constant(u32, () => MAX_SIGNATORIES, 'The maximum amount of signatories allowed in the multisig.'),
    },
  })
}
