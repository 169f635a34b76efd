/** `pallet_sudo`: one key that may dispatch root calls (later pallets need root). */
import { accountId32, type AnyType, enumeration, named, option, unit } from '../primitives/codec/scale-type.js'
import { call, definePallet, ensureSigned, errors, event, moduleError, type Origin, type Pallet, type RuntimeCallValue } from '../frame/pallet.js'
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

/** `runtimeCall` is the runtime's call type: sudo's calls hold another call. */
export function sudoPallet(index: number, runtimeCall: AnyType): Pallet {
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_sudo',
    storage: [Key],
    calls: {
      sudo: call({
        index: 0,
        args: { call: boxedCall },
        weight: 10_000_000n,
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
        weight: 10_000_000n,
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
        weight: 10_000_000n,
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
        weight: 10_000_000n,
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
