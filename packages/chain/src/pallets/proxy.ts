/**
 * `pallet_proxy` as Substrate has it: proxy, add_proxy, remove_proxy, remove_proxies, and pure
 * (keyless) accounts with create_pure / kill_pure. Crust's runtime has no proxy pallet, so the
 * proxy types and deposits follow Polkadot's runtime with Crust's deposit formula:
 * ProxyDepositBase = deposit(1, 8), ProxyDepositFactor = deposit(0, 33). Announcements (delayed
 * proxies' `announce` / `proxy_announced`) and `poke_deposit` are not offered.
 */
import { type AnyType, accountId32, compactU32, enumeration, type Infer, named, option, struct, u16, u32, u128, vec } from '../primitives/codec/scale-type.js'
import { call, constant, definePallet, ensureSigned, errors, event, moduleError, type Pallet, type RuntimeCallValue } from '../frame/pallet.js'
import { mapWithDefault } from '../frame/storage.js'
import { tuple } from '../primitives/codec/scale-type.js'
import { multiAddress } from '../primitives/substrate-types.js'
import { lookupAddress, reserve, unreserve } from './balances.js'
import { concatBytes, blake2_256 } from '../primitives/hashing.js'
import { crustDeposit } from './deposit.js'
import { dispatchResult } from './sudo.js'
import { dispatchFiltered } from './utility.js'

const PALLET = 'Proxy'
const account = named(accountId32, 'T::AccountId')
const balance = named(u128, 'BalanceOf<T>')
const blockNumber = named(u32, 'BlockNumberFor<T>')

export const PROXY_DEPOSIT_BASE = crustDeposit(1, 8)
export const PROXY_DEPOSIT_FACTOR = crustDeposit(0, 33)
export const MAX_PROXIES = 32

export const proxyType = enumeration(['crust_runtime', 'ProxyType'], {
  Any: { index: 0 },
  NonTransfer: { index: 1 },
  Governance: { index: 2 },
  Staking: { index: 3 },
  IdentityJudgement: { index: 5 },
  CancelProxy: { index: 6 },
})
export type ProxyType = Infer<typeof proxyType>['tag']

const proxyDefinition = struct(
  ['pallet_proxy', 'ProxyDefinition'],
  { delegate: account, proxy_type: proxyType, delay: blockNumber },
  {
    params: [
      { name: 'AccountId', type: null },
      { name: 'ProxyType', type: null },
      { name: 'BlockNumber', type: null },
    ],
  },
)
type ProxyDefinition = Infer<typeof proxyDefinition>

export const Proxies = mapWithDefault({
  pallet: PALLET,
  name: 'Proxies',
  hasher: 'Twox64Concat',
  key: account,
  value: tuple(named(vec(proxyDefinition), 'BoundedVec<ProxyDefinition, MaxProxies>'), balance),
  default: [[], 0n],
  docs: [
    'The set of account proxies. Maps the account which has delegated to the accounts which are being delegated to, together with the amount held on deposit.',
  ],
})

export const events = {
  ProxyExecuted: event(0, { result: dispatchResult }, 'A proxy was executed correctly, with the given.'),
  PureCreated: event(
    1,
    { pure: account, who: account, proxy_type: proxyType, disambiguation_index: u16 },
    'A pure account has been created by new proxy with given disambiguation index and proxy type.',
  ),
  ProxyAdded: event(3, { delegator: account, delegatee: account, proxy_type: proxyType, delay: blockNumber }, 'A proxy was added.'),
  ProxyRemoved: event(4, { delegator: account, delegatee: account, proxy_type: proxyType, delay: blockNumber }, 'A proxy was removed.'),
  PureKilled: event(5, { pure: account, spawner: account, proxy_type: proxyType, disambiguation_index: u16 }, 'A pure proxy was killed by its spawner.'),
}

export const proxyErrors = errors({
  TooMany: [0, 'There are too many proxies registered or too many announcements pending.'],
  NotFound: [1, 'Proxy registration not found.'],
  NotProxy: [2, 'Sender is not a proxy of the account to be proxied.'],
  Unproxyable: [3, "A call which is incompatible with the proxy type's filter was attempted."],
  Duplicate: [4, 'Account is already a proxy.'],
  NoPermission: [5, 'Call may not be made by proxy because it may escalate its privileges.'],
  Unannounced: [6, 'Announcement, if made at all, was made too recently.'],
  NoSelfProxy: [7, 'Cannot add self as proxy.'],
})

/** What each proxy type may dispatch (Polkadot's `InstanceFilter`, on this runtime's pallets). */
export function proxyTypeAllows(type: ProxyType, call: RuntimeCallValue): boolean {
  const pallet = call.tag
  switch (type) {
    case 'Any':
      return true
    case 'NonTransfer':
      return pallet !== 'Balances'
    case 'Governance':
      return pallet === 'Treasury' || pallet === 'Utility'
    case 'Staking':
      return pallet === 'Staking' || pallet === 'Session' || pallet === 'Utility'
    case 'IdentityJudgement':
      return (pallet === 'Identity' && call.value.tag === 'provide_judgement') || pallet === 'Utility'
    case 'CancelProxy':
      return (pallet === 'Proxy' && call.value.tag === 'reject_announcement') || pallet === 'Utility' || pallet === 'Multisig'
  }
}

/** Polkadot's `is_superset`: Any covers all, NonTransfer all but Any, others only themselves. */
function isSuperset(a: ProxyType, b: ProxyType): boolean {
  if (a === b || a === 'Any') return true
  if (b === 'Any') return false
  return a === 'NonTransfer'
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
const sameDef = (a: ProxyDefinition, b: ProxyDefinition) => same(a.delegate, b.delegate) && a.proxy_type.tag === b.proxy_type.tag && a.delay === b.delay
const depositFor = (count: number) => (count === 0 ? 0n : PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR * BigInt(count))

/** Substrate's ordering of proxy definitions: by delegate, then type index, then delay. */
function orderDefs(a: ProxyDefinition, b: ProxyDefinition): number {
  return Buffer.compare(Buffer.from(a.delegate), Buffer.from(b.delegate)) || proxyIndex(a.proxy_type.tag) - proxyIndex(b.proxy_type.tag) || a.delay - b.delay
}
const PROXY_INDEX: Record<ProxyType, number> = { Any: 0, NonTransfer: 1, Governance: 2, Staking: 3, IdentityJudgement: 5, CancelProxy: 6 }
const proxyIndex = (t: ProxyType) => PROXY_INDEX[t]

const PURE_ENTROPY_PREFIX = new TextEncoder().encode('modlpy/proxy____')

/**
 * Substrate's `pure_account`: blake2_256 of the SCALE tuple ("modlpy/proxy____", spawner, height,
 * ext_index, proxy_type, index), the account a `create_pure` of `spawner` made in extrinsic
 * `extIndex` of block `height` (pallet_proxy `Pallet::pure_account`).
 */
export function pureAccount(spawner: Uint8Array, type: ProxyType, index: number, height: number, extIndex: number): Uint8Array {
  const le = (bytes: number, value: number) => {
    const out = new Uint8Array(bytes)
    for (let i = 0; i < bytes; i++) out[i] = Math.floor(value / 256 ** i) % 256
    return out
  }
  return blake2_256(concatBytes(PURE_ENTROPY_PREFIX, spawner, le(4, height), le(4, extIndex), Uint8Array.of(proxyIndex(type)), le(2, index)))
}

// pallet_proxy's benchmarked weights (Substrate's defaults, rounded), on top of the carried call.
const PROXY_WEIGHT = 25_000_000n

export function proxyPallet(index: number, runtimeCall: AnyType, callWeight: (call: RuntimeCallValue) => bigint): Pallet {
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  type Ctx = Parameters<Parameters<typeof call>[0]['dispatch']>[0]
  const setDefs = (ctx: Ctx, who: Uint8Array, defs: ProxyDefinition[], oldDeposit: bigint) => {
    const next = depositFor(defs.length)
    if (next > oldDeposit) reserve(ctx, who, next - oldDeposit)
    else if (next < oldDeposit) unreserve(ctx, who, oldDeposit - next)
    if (defs.length === 0) Proxies.remove(ctx.state, who)
    else Proxies.insert(ctx.state, who, [defs, next])
  }
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_proxy',
    storage: [Proxies],
    calls: {
      proxy: call({
        index: 0,
        args: { real: multiAddress, force_proxy_type: option(proxyType), call: boxedCall },
        weight: (args) => PROXY_WEIGHT + callWeight(args.call as RuntimeCallValue),
        docs: ['Dispatch the given call from an account that the sender is authorised for through `add_proxy`.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const real = lookupAddress(args.real)
          const [defs] = Proxies.get(ctx.state, real)
          const def = defs.find((d) => same(d.delegate, who) && (args.force_proxy_type === undefined || d.proxy_type.tag === args.force_proxy_type.tag))
          if (def === undefined) throw moduleError(proxyErrors.NotProxy)
          if (def.delay !== 0) throw moduleError(proxyErrors.Unannounced)
          const type = def.proxy_type.tag
          // Substrate's do_proxy filter: no escalation through add/remove_proxy, remove_proxies and kill_pure only for Any.
          const filter = (c: RuntimeCallValue): boolean => {
            if (c.tag === PALLET && (c.value.tag === 'add_proxy' || c.value.tag === 'remove_proxy')) {
              const requested = (c.value.value as { proxy_type: { tag: ProxyType } }).proxy_type.tag
              if (!isSuperset(type, requested)) return false
            }
            if (c.tag === PALLET && (c.value.tag === 'remove_proxies' || c.value.tag === 'kill_pure') && type !== 'Any') return false
            return proxyTypeAllows(type, c)
          }
          const error = dispatchFiltered(ctx, args.call as RuntimeCallValue, { kind: 'signed', who: real, filter })
          ctx.deposit(events.ProxyExecuted, { result: error === undefined ? { tag: 'Ok', value: undefined } : { tag: 'Err', value: error } })
        },
      }),
      add_proxy: call({
        index: 1,
        args: { delegate: multiAddress, proxy_type: proxyType, delay: blockNumber },
        weight: PROXY_WEIGHT,
        docs: ['Register a proxy account for the sender that is able to make calls on its behalf.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const delegate = lookupAddress(args.delegate)
          if (same(delegate, who)) throw moduleError(proxyErrors.NoSelfProxy)
          const [defs, deposit] = Proxies.get(ctx.state, who)
          const def = { delegate, proxy_type: args.proxy_type, delay: args.delay }
          if (defs.some((d) => sameDef(d, def))) throw moduleError(proxyErrors.Duplicate)
          if (defs.length >= MAX_PROXIES) throw moduleError(proxyErrors.TooMany)
          setDefs(ctx, who, [...defs, def].sort(orderDefs), deposit)
          ctx.deposit(events.ProxyAdded, { delegator: who, delegatee: delegate, proxy_type: args.proxy_type, delay: args.delay })
        },
      }),
      remove_proxy: call({
        index: 2,
        args: { delegate: multiAddress, proxy_type: proxyType, delay: blockNumber },
        weight: PROXY_WEIGHT,
        docs: ['Unregister a proxy account for the sender.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const delegate = lookupAddress(args.delegate)
          const [defs, deposit] = Proxies.get(ctx.state, who)
          const def = { delegate, proxy_type: args.proxy_type, delay: args.delay }
          const rest = defs.filter((d) => !sameDef(d, def))
          if (rest.length === defs.length) throw moduleError(proxyErrors.NotFound)
          setDefs(ctx, who, rest, deposit)
          ctx.deposit(events.ProxyRemoved, { delegator: who, delegatee: delegate, proxy_type: args.proxy_type, delay: args.delay })
        },
      }),
      remove_proxies: call({
        index: 3,
        args: {},
        weight: PROXY_WEIGHT,
        docs: ['Unregister all proxy accounts for the sender; the deposit is returned.'],
        dispatch: (ctx, origin) => {
          const who = ensureSigned(origin)
          const [, deposit] = Proxies.get(ctx.state, who)
          setDefs(ctx, who, [], deposit)
        },
      }),
      create_pure: call({
        index: 4,
        args: { proxy_type: proxyType, delay: blockNumber, index: u16 },
        weight: PROXY_WEIGHT,
        docs: [
          'Spawn a fresh new account that is guaranteed to be otherwise inaccessible, and initialize it with a proxy of `proxy_type` for `origin` sender.',
          '`index` disambiguates several pure accounts made in one transaction (a batch); fails with `Duplicate` when the account exists.',
        ],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const pure = pureAccount(who, args.proxy_type.tag, args.index, ctx.blockNumber, ctx.extrinsicIndex ?? 0)
          if (Proxies.contains(ctx.state, pure)) throw moduleError(proxyErrors.Duplicate)
          // The spawner holds the deposit; it is recorded with the pure account's proxies.
          const deposit = PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR
          reserve(ctx, who, deposit)
          Proxies.insert(ctx.state, pure, [[{ delegate: who, proxy_type: args.proxy_type, delay: args.delay }], deposit])
          ctx.deposit(events.PureCreated, { pure, who, proxy_type: args.proxy_type, disambiguation_index: args.index })
        },
      }),
      kill_pure: call({
        index: 5,
        args: {
          spawner: multiAddress,
          proxy_type: proxyType,
          index: u16,
          height: named(compactU32, 'BlockNumberFor<T>'),
          ext_index: named(compactU32, 'u32'),
        },
        weight: PROXY_WEIGHT,
        docs: [
          'Removes a previously spawned pure proxy; sent by the pure account itself (through `proxy`), with the parameters of its `create_pure`.',
          'WARNING: all access to this account will be lost; the deposit returns to the spawner.',
        ],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const spawner = lookupAddress(args.spawner)
          if (!same(pureAccount(spawner, args.proxy_type.tag, args.index, args.height, args.ext_index), who)) throw moduleError(proxyErrors.NoPermission)
          const [, deposit] = Proxies.get(ctx.state, who)
          Proxies.remove(ctx.state, who)
          unreserve(ctx, spawner, deposit)
          ctx.deposit(events.PureKilled, { pure: who, spawner, proxy_type: args.proxy_type, disambiguation_index: args.index })
        },
      }),
    },
    events,
    errors: proxyErrors,
    constants: {
      ProxyDepositBase: constant(balance, () => PROXY_DEPOSIT_BASE, 'The base amount of currency needed to reserve for creating a proxy.'),
      ProxyDepositFactor: constant(balance, () => PROXY_DEPOSIT_FACTOR, 'The amount of currency needed per proxy added.'),
      MaxProxies: constant(u32, () => MAX_PROXIES, 'The maximum amount of proxies allowed for a single account.'),
    },
  })
}
