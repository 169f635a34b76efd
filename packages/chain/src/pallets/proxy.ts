/**
 * `pallet_proxy` as Substrate has it: proxy, add_proxy, remove_proxy, remove_proxies, pure
 * (keyless) accounts with create_pure / kill_pure, and announcements for delayed proxies (announce,
 * remove_announcement, reject_announcement, proxy_announced). Crust's runtime has no proxy pallet,
 * so the proxy types and deposits follow Polkadot's runtime with Crust's deposit formula:
 * ProxyDepositBase = deposit(1, 8), ProxyDepositFactor = deposit(0, 33), AnnouncementDepositBase =
 * deposit(1, 8), AnnouncementDepositFactor = deposit(0, 66). Deposits are reserves (the pallet
 * before its move to holds); `poke_deposit` is not offered.
 */
import {
  type AnyType,
  accountId32,
  compactU32,
  enumeration,
  h256,
  type Infer,
  named,
  option,
  struct,
  u16,
  u32,
  u128,
  vec,
} from '../primitives/codec/scale-type.js'
import {
  type CarriedCallInfoOf,
  call,
  constant,
  DispatchError,
  type DispatchContext,
  definePallet,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Pallet,
  type RuntimeCallValue,
} from '../frame/pallet.js'
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
// `CallHashOf<T>`: the output of the runtime's `CallHasher`, BlakeTwo256, an H256.
const callHash = named(h256, 'CallHashOf<T>')

export const PROXY_DEPOSIT_BASE = crustDeposit(1, 8)
export const PROXY_DEPOSIT_FACTOR = crustDeposit(0, 33)
export const MAX_PROXIES = 32
// Polkadot's announcement parameters through the same `deposit` formula as the proxy deposits above:
// base deposit(1, 8) for the storage item, factor deposit(0, 66) per (AccountId, Hash, BlockNumber)
// announcement; at most 32 pending per delegate.
export const ANNOUNCEMENT_DEPOSIT_BASE = crustDeposit(1, 8)
export const ANNOUNCEMENT_DEPOSIT_FACTOR = crustDeposit(0, 66)
export const MAX_PENDING = 32

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

const announcement = struct(
  ['pallet_proxy', 'Announcement'],
  { real: account, call_hash: callHash, height: blockNumber },
  {
    params: [
      { name: 'AccountId', type: null },
      { name: 'Hash', type: null },
      { name: 'BlockNumber', type: null },
    ],
  },
)
type Announcement = Infer<typeof announcement>

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

export const Announcements = mapWithDefault({
  pallet: PALLET,
  name: 'Announcements',
  hasher: 'Twox64Concat',
  key: account,
  value: tuple(named(vec(announcement), 'BoundedVec<Announcement<T::AccountId, CallHashOf<T>, BlockNumberFor<T>>, T::MaxPending>'), balance),
  default: [[], 0n],
  docs: ['The announcements made by the proxy (key).'],
})

export const events = {
  ProxyExecuted: event(0, { result: dispatchResult }, 'A proxy was executed correctly, with the given.'),
  PureCreated: event(
    1,
    { pure: account, who: account, proxy_type: proxyType, disambiguation_index: u16 },
    'A pure account has been created by new proxy with given disambiguation index and proxy type.',
  ),
  // Index 2 as in pallet_proxy before PureKilled; this runtime appended PureKilled at 5 instead.
  Announced: event(2, { real: account, proxy: account, call_hash: callHash }, 'An announcement was placed to make a call in the future.'),
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
const sameAnnouncement = (real: Uint8Array, hash: Uint8Array) => (a: Announcement) => same(a.real, real) && same(a.call_hash, hash)

/**
 * pallet_proxy's `rejig_deposit`: the deposit for `count` entries (0 for none, else base + factor ×
 * count), reserving or unreserving the difference from `old`; returns the new deposit.
 */
function rejigDeposit(ctx: DispatchContext, who: Uint8Array, old: bigint, base: bigint, factor: bigint, count: number): bigint {
  const next = count === 0 ? 0n : base + factor * BigInt(count)
  if (next > old) reserve(ctx, who, next - old)
  else if (next < old) unreserve(ctx, who, old - next)
  return next
}

/**
 * pallet_proxy's `edit_announcements`: keeps the announcements of `delegate` that `keep` accepts,
 * `NotFound` when it drops none; the delegate's deposit follows the count left.
 */
function editAnnouncements(ctx: DispatchContext, delegate: Uint8Array, keep: (a: Announcement) => boolean): void {
  const [pending, deposit] = Announcements.get(ctx.state, delegate)
  const kept = pending.filter(keep)
  if (kept.length === pending.length) throw moduleError(proxyErrors.NotFound)
  const next = rejigDeposit(ctx, delegate, deposit, ANNOUNCEMENT_DEPOSIT_BASE, ANNOUNCEMENT_DEPOSIT_FACTOR, kept.length)
  if (kept.length === 0) Announcements.remove(ctx.state, delegate)
  else Announcements.insert(ctx.state, delegate, [kept, next])
}

/** pallet_proxy's `find_proxy`: the first of `real`'s proxy definitions for `delegate` (of the forced type), else `NotProxy`. */
function findProxy(ctx: DispatchContext, real: Uint8Array, delegate: Uint8Array, force: { tag: ProxyType } | undefined): ProxyDefinition {
  const [defs] = Proxies.get(ctx.state, real)
  const def = defs.find((d) => same(d.delegate, delegate) && (force === undefined || d.proxy_type.tag === force.tag))
  if (def === undefined) throw moduleError(proxyErrors.NotProxy)
  return def
}

/**
 * pallet_proxy's `do_proxy`: dispatches `call` as `real` behind the proxy type's filter, with no
 * escalation through add/remove_proxy and remove_proxies / kill_pure only for Any; ProxyExecuted
 * carries the call's result.
 */
function doProxy(ctx: DispatchContext, def: ProxyDefinition, real: Uint8Array, call: RuntimeCallValue): void {
  const type = def.proxy_type.tag
  const filter = (c: RuntimeCallValue): boolean => {
    if (c.tag === PALLET && (c.value.tag === 'add_proxy' || c.value.tag === 'remove_proxy')) {
      const requested = (c.value.value as { proxy_type: { tag: ProxyType } }).proxy_type.tag
      if (!isSuperset(type, requested)) return false
    }
    if (c.tag === PALLET && (c.value.tag === 'remove_proxies' || c.value.tag === 'kill_pure') && type !== 'Any') return false
    return proxyTypeAllows(type, c)
  }
  const error = dispatchFiltered(ctx, call, { kind: 'signed', who: real, filter })
  ctx.deposit(events.ProxyExecuted, { result: error === undefined ? { tag: 'Ok', value: undefined } : { tag: 'Err', value: error } })
}

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

/**
 * `runtimeCall` is the runtime's call type; `carried` gives a carried call's weight and class
 * (proxy and proxy_announced take both, as Substrate's); `encodeCall` its SCALE bytes, whose
 * blake2_256 is the call hash an announcement names.
 */
export function proxyPallet(index: number, runtimeCall: AnyType, carried: CarriedCallInfoOf, encodeCall: (call: RuntimeCallValue) => Uint8Array): Pallet {
  const boxedCall = named(runtimeCall, 'Box<<T as Config>::RuntimeCall>')
  const carriedClass = (args: { call: unknown }) => carried(args.call as RuntimeCallValue).class
  const setDefs = (ctx: DispatchContext, who: Uint8Array, defs: ProxyDefinition[], oldDeposit: bigint) => {
    const next = rejigDeposit(ctx, who, oldDeposit, PROXY_DEPOSIT_BASE, PROXY_DEPOSIT_FACTOR, defs.length)
    if (defs.length === 0) Proxies.remove(ctx.state, who)
    else Proxies.insert(ctx.state, who, [defs, next])
  }
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_proxy',
    storage: [Proxies, Announcements],
    calls: {
      proxy: call({
        index: 0,
        args: { real: multiAddress, force_proxy_type: option(proxyType), call: boxedCall },
        weight: (args) => PROXY_WEIGHT + carried(args.call as RuntimeCallValue).weight,
        class: carriedClass,
        docs: [
          'Dispatch the given call from an account that the sender is authorised for through `add_proxy`.',
          'A proxy with a delay must announce the call and use `proxy_announced` (`Unannounced`).',
        ],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const real = lookupAddress(args.real)
          const def = findProxy(ctx, real, who, args.force_proxy_type)
          if (def.delay !== 0) throw moduleError(proxyErrors.Unannounced)
          doProxy(ctx, def, real, args.call as RuntimeCallValue)
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
      announce: call({
        index: 6,
        args: { real: multiAddress, call_hash: callHash },
        weight: PROXY_WEIGHT,
        docs: [
          'Publish the hash of a proxy-call that will be made in the future; the sender must be a proxy of `real`.',
          'Reserves `AnnouncementDepositFactor`, plus `AnnouncementDepositBase` for the first pending one; at most `MaxPending` (`TooMany`).',
        ],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const real = lookupAddress(args.real)
          // Any proxy definition of `real` for the sender will do, whatever its type or delay.
          if (!Proxies.get(ctx.state, real)[0].some((d) => same(d.delegate, who))) throw moduleError(proxyErrors.NotProxy)
          const [pending, deposit] = Announcements.get(ctx.state, who)
          if (pending.length >= MAX_PENDING) throw moduleError(proxyErrors.TooMany)
          const next = [...pending, { real, call_hash: args.call_hash, height: ctx.blockNumber }]
          const held = rejigDeposit(ctx, who, deposit, ANNOUNCEMENT_DEPOSIT_BASE, ANNOUNCEMENT_DEPOSIT_FACTOR, next.length)
          Announcements.insert(ctx.state, who, [next, held])
          ctx.deposit(events.Announced, { real, proxy: who, call_hash: args.call_hash })
        },
      }),
      remove_announcement: call({
        index: 7,
        args: { real: multiAddress, call_hash: callHash },
        weight: PROXY_WEIGHT,
        docs: ["Remove the sender's announcements of `call_hash` for `real`; the deposit share returns (`NotFound` if none)."],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const matches = sameAnnouncement(lookupAddress(args.real), args.call_hash)
          editAnnouncements(ctx, who, (a) => !matches(a))
        },
      }),
      reject_announcement: call({
        index: 8,
        args: { delegate: multiAddress, call_hash: callHash },
        weight: PROXY_WEIGHT,
        docs: ["Remove `delegate`'s announcements of `call_hash` for the sender (the real account); the deposit returns to the delegate."],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const matches = sameAnnouncement(who, args.call_hash)
          editAnnouncements(ctx, lookupAddress(args.delegate), (a) => !matches(a))
        },
      }),
      proxy_announced: call({
        index: 9,
        args: { delegate: multiAddress, real: multiAddress, force_proxy_type: option(proxyType), call: boxedCall },
        weight: (args) => PROXY_WEIGHT + carried(args.call as RuntimeCallValue).weight,
        class: carriedClass,
        docs: [
          'Dispatch a call `delegate` announced at least its delay ago for `real` (any signed sender may submit it).',
          'Removes the matching announcements and returns their deposit; `Unannounced` if none is old enough.',
        ],
        dispatch: (ctx, origin, args) => {
          ensureSigned(origin)
          const delegate = lookupAddress(args.delegate)
          const real = lookupAddress(args.real)
          const def = findProxy(ctx, real, delegate, args.force_proxy_type)
          const inner = args.call as RuntimeCallValue
          // `T::CallHasher::hash_of(&call)`: BlakeTwo256 of the call's SCALE encoding.
          const matches = sameAnnouncement(real, blake2_256(encodeCall(inner)))
          const now = ctx.blockNumber
          try {
            editAnnouncements(ctx, delegate, (a) => !matches(a) || Math.max(0, now - a.height) < def.delay)
          } catch (e) {
            if (e instanceof DispatchError) throw moduleError(proxyErrors.Unannounced)
            throw e
          }
          doProxy(ctx, def, real, inner)
        },
      }),
    },
    events,
    errors: proxyErrors,
    constants: {
      ProxyDepositBase: constant(balance, () => PROXY_DEPOSIT_BASE, 'The base amount of currency needed to reserve for creating a proxy.'),
      ProxyDepositFactor: constant(balance, () => PROXY_DEPOSIT_FACTOR, 'The amount of currency needed per proxy added.'),
      MaxProxies: constant(u32, () => MAX_PROXIES, 'The maximum amount of proxies allowed for a single account.'),
      MaxPending: constant(u32, () => MAX_PENDING, 'The maximum amount of time-delayed announcements that are allowed to be pending.'),
      AnnouncementDepositBase: constant(
        balance,
        () => ANNOUNCEMENT_DEPOSIT_BASE,
        'The base amount of currency needed to reserve for creating an announcement.',
      ),
      AnnouncementDepositFactor: constant(balance, () => ANNOUNCEMENT_DEPOSIT_FACTOR, 'The amount of currency needed per announcement made.'),
    },
  })
}
