/**
 * `pallet_sudo`: one key that may dispatch root calls (later pallets need root). As Substrate's,
 * `sudo` and `sudo_as` weigh the carried call plus their own benchmarked weight and take its dispatch
 * class; `sudo_unchecked_weight` weighs what it is given, in the carried call's class. (Crust's
 * mainnet runtime has no sudo: the weights are Substrate's.)
 */
import { accountId32, type AnyType, enumeration, named, option, unit } from '../primitives/codec/scale-type.js'
import {
  type CarriedCallInfoOf,
  call,
  definePallet,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Origin,
  type Pallet,
  type RuntimeCallValue,
} from '../frame/pallet.js'
import { optionalValue } from '../frame/storage.js'
import { dispatchErrorType, multiAddress, type DispatchErrorValue, weight } from '../primitives/substrate-types.js'
import { lookupAddress } from './balances.js'

const PALLET = 'Sudo'
const account = named(accountId32, 'T::AccountId')

export const Key = optionalValue({ pallet: PALLET, name: 'Key', value: account, docs: ['The `AccountId` of the sudo key.'] })

export const dispatchResult = enumeration(
  ['Result'],
  { Ok: { index: 0, value: unit }, Err: { index: 1, value: dispatchErrorType } },
  {
    params: (lookup) => [
      { name: 'T', type: lookup.idOf(unit) },
      { name: 'E', type: lookup.idOf(dispatchErrorType) },
    ],
    typeName: 'DispatchResult',
  },
)

export const events = {
  Sudid: event(0, { sudo_result: dispatchResult }, 'A sudo call just took place.'),
  KeyChanged: event(1, { old: option(account), new: account }, 'The sudo key has been updated.'),
  KeyRemoved: event(2, {}, 'The key was permanently removed.'),
  SudoAsDone: event(3, { sudo_result: dispatchResult }, 'A [sudo_as](Pallet::sudo_as) call just took place.'),
}

export const sudoErrors = errors({ RequireSudo: [0, 'Sender must be the Sudo account.'] })

const asResult = (err: DispatchErrorValue | undefined) =>
  err === undefined ? ({ tag: 'Ok', value: undefined } as const) : ({ tag: 'Err', value: err } as const)

function ensureSudo(state: Parameters<typeof Key.get>[0], origin: Origin): Uint8Array {
  const who = ensureSigned(origin)
  const key = Key.get(state)
  if (key === undefined || Buffer.compare(Buffer.from(key), Buffer.from(who)) !== 0) throw moduleError(sudoErrors.RequireSudo)
  return who
}

// polkadot-sdk substrate/frame/sudo/src/weights.rs (`SubstrateWeight`, RocksDbWeight: a read is
// 25·10^6, a write 10^8): sudo() = 10_729_000 + 1 read, sudo_as() = 11_003_000 + 1 read,
// set_key() = 9_663_000 + 1 read + 1 write, remove_key() = 9_127_000 + 1 read + 1 write.
const DB_READ = 25_000_000n
const DB_WRITE = 100_000_000n
export const SUDO_WEIGHT = 10_729_000n + DB_READ
export const SUDO_AS_WEIGHT = 11_003_000n + DB_READ
export const SET_KEY_WEIGHT = 9_663_000n + DB_READ + DB_WRITE
export const REMOVE_KEY_WEIGHT = 9_127_000n + DB_READ + DB_WRITE

/**
 * `runtimeCall` is the runtime's call type: sudo's calls hold another call, whose weight and class
 * `carried` gives (Substrate's `call.get_dispatch_info()`).
 */
export function sudoPallet(index: number, runtimeCall: AnyType, carried: CarriedCallInfoOf): Pallet {
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  const carriedOf = (args: { call: unknown }) => carried(args.call as RuntimeCallValue)
  // polkadot-sdk substrate/frame/sudo/src/lib.rs: `sudo`'s and `sudo_as`'s `#[pallet::weight]` are
  // `(T::WeightInfo::sudo().saturating_add(dispatch_info.weight), dispatch_info.class)` with
  // `dispatch_info = call.get_dispatch_info()`; `sudo_unchecked_weight`'s is `(*_weight, call.get_dispatch_info().class)`.
  const carriedClass = (args: { call: unknown }) => carriedOf(args).class
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_sudo',
    storage: [Key],
    calls: {
      sudo: call({
        index: 0,
        args: { call: boxedCall },
        weight: (args) => SUDO_WEIGHT + carriedOf(args).weight,
        class: carriedClass,
        docs: ['Authenticates the sudo key and dispatches a function call with `Root` origin.'],
        dispatch: (ctx, origin, args) => {
          ensureSudo(ctx.state, origin)
          const err = ctx.dispatch(args.call as RuntimeCallValue, { kind: 'root' })
          ctx.deposit(events.Sudid, { sudo_result: asResult(err) })
          return { paysFee: false }
        },
      }),
      sudo_unchecked_weight: call({
        index: 1,
        args: { call: boxedCall, weight },
        weight: (args) => args.weight.ref_time,
        class: carriedClass,
        docs: ['Authenticates the sudo key and dispatches a function call with `Root` origin, with the given weight.'],
        dispatch: (ctx, origin, args) => {
          ensureSudo(ctx.state, origin)
          const err = ctx.dispatch(args.call as RuntimeCallValue, { kind: 'root' })
          ctx.deposit(events.Sudid, { sudo_result: asResult(err) })
          return { paysFee: false }
        },
      }),
      set_key: call({
        index: 2,
        args: { new: multiAddress },
        weight: SET_KEY_WEIGHT,
        docs: ['Authenticates the current sudo key and sets the given AccountId as the new sudo key.'],
        dispatch: (ctx, origin, args) => {
          const old = ensureSudo(ctx.state, origin)
          const next = lookupAddress(args.new)
          Key.put(ctx.state, next)
          ctx.deposit(events.KeyChanged, { old, new: next })
          return { paysFee: false }
        },
      }),
      sudo_as: call({
        index: 3,
        args: { who: multiAddress, call: boxedCall },
        weight: (args) => SUDO_AS_WEIGHT + carriedOf(args).weight,
        class: carriedClass,
        docs: ['Authenticates the sudo key and dispatches a function call with `Signed` origin from a given account.'],
        dispatch: (ctx, origin, args) => {
          ensureSudo(ctx.state, origin)
          const err = ctx.dispatch(args.call as RuntimeCallValue, { kind: 'signed', who: lookupAddress(args.who) })
          ctx.deposit(events.SudoAsDone, { sudo_result: asResult(err) })
          return { paysFee: false }
        },
      }),
      remove_key: call({
        index: 4,
        args: {},
        weight: REMOVE_KEY_WEIGHT,
        docs: ['Permanently removes the sudo key. This cannot be undone.'],
        dispatch: (ctx, origin) => {
          ensureSudo(ctx.state, origin)
          Key.kill(ctx.state)
          ctx.deposit(events.KeyRemoved, {})
          return { paysFee: false }
        },
      }),
    },
    events,
    errors: sudoErrors,
  })
}
