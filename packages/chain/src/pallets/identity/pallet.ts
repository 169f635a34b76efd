/**
 * `pallet_identity` as Crust's runtime has it (Substrate 3.0, crustio/crust runtime/src/lib.rs:313-335):
 * identities with deposits, registrars (added by root) who judge identities for a fee, and
 * sub-accounts. Storage layouts, calls, events and errors are Substrate's (frame/identity/src/lib.rs),
 * so Crust Apps and @polkadot/api's `accounts.identity` derive read them.
 */
import { CRU } from '../../constants.js'
import { call, constant, DispatchError, definePallet, ensureRoot, ensureSigned, errors, event, moduleError, type Pallet } from '../../frame/pallet.js'
import { mapWithDefault, optionalMap, valueWithDefault } from '../../frame/storage.js'
import { compactU32, compactU128, named, option, u32, vec } from '../../primitives/codec/scale-type.js'
import { multiAddress } from '../../primitives/substrate-types.js'
import { depositIntoTreasury, lookupAddress, repatriateReserved, reserve, slashReserved, unreserve } from '../balances.js'
import {
  account,
  balance,
  data,
  identityFields,
  identityInfo,
  isSticky,
  type Judgement,
  judgement,
  type Registration,
  registrarIndex,
  registrarInfo,
  registration,
  subsList,
  subsOf,
  superOf,
} from './types.js'
import { identityWeights as w } from './weights.js'

const PALLET = 'Identity'

// Crust's parameters (crustio/crust runtime/src/lib.rs:313-320).
export const BASIC_DEPOSIT = 5n * CRU
export const FIELD_DEPOSIT = 1n * CRU
export const SUB_ACCOUNT_DEPOSIT = 2n * CRU
export const MAX_SUB_ACCOUNTS = 100
export const MAX_ADDITIONAL_FIELDS = 100
export const MAX_REGISTRARS = 20

export const IdentityOf = optionalMap({
  pallet: PALLET,
  name: 'IdentityOf',
  hasher: 'Twox64Concat',
  key: account,
  value: registration,
  docs: ['Information that is pertinent to identify the entity behind an account.'],
})

export const SuperOf = optionalMap({
  pallet: PALLET,
  name: 'SuperOf',
  hasher: 'Blake2_128Concat',
  key: account,
  value: superOf,
  docs: ['The super-identity of an alternative "sub" identity together with its name, within that context.'],
})

export const SubsOf = mapWithDefault({
  pallet: PALLET,
  name: 'SubsOf',
  hasher: 'Twox64Concat',
  key: account,
  value: subsOf,
  default: [0n, []],
  docs: ['Alternative "sub" identities of this account. The first item is the deposit, the second is a vector of the accounts.'],
})

export const Registrars = valueWithDefault({
  pallet: PALLET,
  name: 'Registrars',
  value: named(vec(option(registrarInfo)), 'BoundedVec<Option<RegistrarInfo<BalanceOf<T>, T::AccountId>>, T::MaxRegistrars>'),
  default: [],
  docs: ['The set of registrars. The index into this can be cast to `RegistrarIndex` to get a valid value.'],
})

export const events = {
  IdentitySet: event(0, { who: account }, 'A name was set or reset (which will remove all judgements).'),
  IdentityCleared: event(1, { who: account, deposit: balance }, 'A name was cleared, and the given balance returned.'),
  IdentityKilled: event(2, { who: account, deposit: balance }, 'A name was removed and the given balance slashed.'),
  JudgementRequested: event(3, { who: account, registrar_index: registrarIndex }, 'A judgement was asked from a registrar.'),
  JudgementUnrequested: event(4, { who: account, registrar_index: registrarIndex }, 'A judgement request was retracted.'),
  JudgementGiven: event(5, { target: account, registrar_index: registrarIndex }, 'A judgement was given by a registrar.'),
  RegistrarAdded: event(6, { registrar_index: registrarIndex }, 'A registrar was added.'),
  SubIdentityAdded: event(7, { sub: account, main: account, deposit: balance }, 'A sub-identity was added to an identity and the deposit paid.'),
  SubIdentityRemoved: event(8, { sub: account, main: account, deposit: balance }, 'A sub-identity was removed from an identity and the deposit freed.'),
  SubIdentityRevoked: event(
    9,
    { sub: account, main: account, deposit: balance },
    'A sub-identity was cleared, and the given deposit repatriated from the main identity account to the sub-identity account.',
  ),
}

export const identityErrors = errors({
  TooManySubAccounts: [0, 'Too many subs-accounts.'],
  NotFound: [1, "Account isn't found."],
  NotNamed: [2, "Account isn't named."],
  EmptyIndex: [3, 'Empty index.'],
  FeeChanged: [4, 'Fee is changed.'],
  NoIdentity: [5, 'No identity found.'],
  StickyJudgement: [6, 'Sticky judgement.'],
  JudgementGiven: [7, 'Judgement given.'],
  InvalidJudgement: [8, 'Invalid judgement.'],
  InvalidIndex: [9, 'The index is invalid.'],
  InvalidTarget: [10, 'The target is invalid.'],
  TooManyFields: [11, 'Too many additional fields.'],
  TooManyRegistrars: [12, 'Maximum amount of registrars reached. Cannot add any more.'],
  AlreadyClaimed: [13, 'Account ID is already named.'],
  NotSub: [14, 'Sender is not a sub-account.'],
  NotOwned: [15, "Sub-account isn't owned by sender."],
})

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0

/** `Registration::total_deposit`: the identity deposit plus every fee held for a pending judgement. */
export function totalDeposit(id: Registration): bigint {
  return id.judgements.reduce((sum, [, j]) => sum + (j.tag === 'FeePaid' ? j.value : 0n), id.deposit)
}

/** Where registrar `index`'s judgement sits in the sorted judgements (`binary_search_by_key`): found, or where to insert. */
function findJudgement(id: Registration, index: number): { found: boolean; at: number } {
  let lo = 0
  let hi = id.judgements.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const at = id.judgements[mid]![0]
    if (at === index) return { found: true, at: mid }
    if (at < index) lo = mid + 1
    else hi = mid
  }
  return { found: false, at: lo }
}

/** Substrate's `let _ = T::Currency::repatriate_reserved(..)`: a failed move (dead receiver) leaves the funds reserved. */
function ignoreFailure(move: () => unknown): void {
  try {
    move()
  } catch (err) {
    if (!(err instanceof DispatchError)) throw err
  }
}

type Ctx = Parameters<Parameters<typeof call>[0]['dispatch']>[0]

/** The registrar at `index` if `who` is its account (set_fee, set_account_id, set_fields, provide_judgement), else InvalidIndex. */
function ownRegistrar(ctx: Ctx, index: number, who: Uint8Array) {
  const registrars = Registrars.get(ctx.state)
  const registrar = registrars[index]
  if (registrar === undefined || !same(registrar.account, who)) throw moduleError(identityErrors.InvalidIndex)
  return { registrars, registrar }
}

/** A registrar's own setter (set_fee, set_account_id, set_fields): `change` merged into its entry, the list stored, its weight. */
function updateOwnRegistrar(
  ctx: Ctx,
  index: number,
  who: Uint8Array,
  change: Partial<ReturnType<typeof ownRegistrar>['registrar']>,
  weight: (r: number) => bigint,
) {
  const { registrars, registrar } = ownRegistrar(ctx, index, who)
  Object.assign(registrar, change)
  Registrars.put(ctx.state, registrars)
  return { actualWeight: weight(registrars.length) }
}

export function identityPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_identity',
    storage: [IdentityOf, SuperOf, SubsOf, Registrars],
    calls: {
      add_registrar: call({
        index: 0,
        args: { account },
        weight: w.addRegistrar(MAX_REGISTRARS),
        docs: ['Add a registrar to the system. The dispatch origin for this call must be root (Crust: root or half the council).'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          const registrars = Registrars.get(ctx.state)
          if (registrars.length >= MAX_REGISTRARS) throw moduleError(identityErrors.TooManyRegistrars)
          Registrars.put(ctx.state, [...registrars, { account: args.account, fee: 0n, fields: 0n }])
          ctx.deposit(events.RegistrarAdded, { registrar_index: registrars.length })
          return { actualWeight: w.addRegistrar(registrars.length + 1) }
        },
      }),
      set_identity: call({
        index: 1,
        args: { info: named(identityInfo, 'Box<IdentityInfo<T::MaxAdditionalFields>>') },
        weight: w.setIdentity(MAX_REGISTRARS, MAX_ADDITIONAL_FIELDS),
        docs: ["Set an account's identity information and reserve the appropriate deposit."],
        dispatch: (ctx, origin, { info }) => {
          const who = ensureSigned(origin)
          const extra = info.additional.length
          if (extra > MAX_ADDITIONAL_FIELDS) throw moduleError(identityErrors.TooManyFields)
          const old = IdentityOf.get(ctx.state, who)
          // Only sticky judgements (a paid request, Erroneous) survive a change of the information.
          const id: Registration =
            old === undefined ? { judgements: [], deposit: 0n, info } : { ...old, judgements: old.judgements.filter(([, j]) => isSticky(j)), info }
          const oldDeposit = id.deposit
          id.deposit = BASIC_DEPOSIT + FIELD_DEPOSIT * BigInt(extra)
          if (id.deposit > oldDeposit) reserve(ctx, who, id.deposit - oldDeposit)
          if (oldDeposit > id.deposit) unreserve(ctx, who, oldDeposit - id.deposit)
          IdentityOf.insert(ctx.state, who, id)
          ctx.deposit(events.IdentitySet, { who })
          return { actualWeight: w.setIdentity(id.judgements.length, extra) }
        },
      }),
      set_subs: call({
        index: 2,
        args: { subs: subsList },
        weight: (args) => w.setSubsOld(MAX_SUB_ACCOUNTS) + w.setSubsNew(args.subs.length),
        docs: ['Set the sub-accounts of the sender; the previous subs deposit is returned and SubAccountDeposit reserved per sub.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const subs = args.subs
          if (!IdentityOf.contains(ctx.state, who)) throw moduleError(identityErrors.NotFound)
          if (subs.length > MAX_SUB_ACCOUNTS) throw moduleError(identityErrors.TooManySubAccounts)
          const [oldDeposit, oldIds] = SubsOf.get(ctx.state, who)
          const newDeposit = SUB_ACCOUNT_DEPOSIT * BigInt(subs.length)
          const claimedElsewhere = subs.some(([sub]) => {
            const sup = SuperOf.get(ctx.state, sub)
            return sup !== undefined && !same(sup[0], who)
          })
          if (claimedElsewhere) throw moduleError(identityErrors.AlreadyClaimed)
          if (oldDeposit < newDeposit) reserve(ctx, who, newDeposit - oldDeposit)
          else if (oldDeposit > newDeposit) unreserve(ctx, who, oldDeposit - newDeposit)
          for (const sub of oldIds) SuperOf.remove(ctx.state, sub)
          for (const [sub, name] of subs) SuperOf.insert(ctx.state, sub, [who, name])
          if (subs.length === 0) SubsOf.remove(ctx.state, who)
          else SubsOf.insert(ctx.state, who, [newDeposit, subs.map(([sub]) => sub)])
          return { actualWeight: w.setSubsOld(oldIds.length) + w.setSubsNew(subs.length) }
        },
      }),
      clear_identity: call({
        index: 3,
        args: {},
        weight: w.clearIdentity(MAX_REGISTRARS, MAX_SUB_ACCOUNTS, MAX_ADDITIONAL_FIELDS),
        docs: ["Clear an account's identity info and all sub-accounts and return all deposits."],
        dispatch: (ctx, origin) => {
          const who = ensureSigned(origin)
          const [subsDeposit, subIds] = SubsOf.get(ctx.state, who)
          const id = IdentityOf.get(ctx.state, who)
          if (id === undefined) throw moduleError(identityErrors.NotNamed)
          SubsOf.remove(ctx.state, who)
          IdentityOf.remove(ctx.state, who)
          const deposit = totalDeposit(id) + subsDeposit
          for (const sub of subIds) SuperOf.remove(ctx.state, sub)
          unreserve(ctx, who, deposit)
          ctx.deposit(events.IdentityCleared, { who, deposit })
          return { actualWeight: w.clearIdentity(id.judgements.length, subIds.length, id.info.additional.length) }
        },
      }),
      request_judgement: call({
        index: 4,
        args: { reg_index: named(compactU32, 'RegistrarIndex'), max_fee: named(compactU128, 'BalanceOf<T>') },
        weight: w.requestJudgement(MAX_REGISTRARS, MAX_ADDITIONAL_FIELDS),
        docs: ['Request a judgement from a registrar; at most `max_fee` is reserved for payment to the registrar.'],
        dispatch: (ctx, origin, { reg_index, max_fee }) => {
          const who = ensureSigned(origin)
          const registrar = Registrars.get(ctx.state)[reg_index]
          if (registrar === undefined) throw moduleError(identityErrors.EmptyIndex)
          if (max_fee < registrar.fee) throw moduleError(identityErrors.FeeChanged)
          const id = IdentityOf.get(ctx.state, who)
          if (id === undefined) throw moduleError(identityErrors.NoIdentity)
          const item: [number, Judgement] = [reg_index, { tag: 'FeePaid', value: registrar.fee }]
          const { found, at } = findJudgement(id, reg_index)
          if (found) {
            if (isSticky(id.judgements[at]![1])) throw moduleError(identityErrors.StickyJudgement)
            id.judgements[at] = item
          } else id.judgements.splice(at, 0, item)
          reserve(ctx, who, registrar.fee)
          IdentityOf.insert(ctx.state, who, id)
          ctx.deposit(events.JudgementRequested, { who, registrar_index: reg_index })
          return { actualWeight: w.requestJudgement(id.judgements.length, id.info.additional.length) }
        },
      }),
      cancel_request: call({
        index: 5,
        args: { reg_index: registrarIndex },
        weight: w.cancelRequest(MAX_REGISTRARS, MAX_ADDITIONAL_FIELDS),
        docs: ['Cancel a previous request; the reserved fee is returned.'],
        dispatch: (ctx, origin, { reg_index }) => {
          const who = ensureSigned(origin)
          const id = IdentityOf.get(ctx.state, who)
          if (id === undefined) throw moduleError(identityErrors.NoIdentity)
          const { found, at } = findJudgement(id, reg_index)
          if (!found) throw moduleError(identityErrors.NotFound)
          const [, j] = id.judgements.splice(at, 1)[0]!
          if (j.tag !== 'FeePaid') throw moduleError(identityErrors.JudgementGiven)
          unreserve(ctx, who, j.value)
          IdentityOf.insert(ctx.state, who, id)
          ctx.deposit(events.JudgementUnrequested, { who, registrar_index: reg_index })
          return { actualWeight: w.cancelRequest(id.judgements.length, id.info.additional.length) }
        },
      }),
      set_fee: call({
        index: 6,
        args: { index: named(compactU32, 'RegistrarIndex'), fee: named(compactU128, 'BalanceOf<T>') },
        weight: w.setFee(MAX_REGISTRARS),
        docs: ['Set the fee required for a judgement to be requested from a registrar (by the registrar).'],
        dispatch: (ctx, origin, args) => updateOwnRegistrar(ctx, args.index, ensureSigned(origin), { fee: args.fee }, w.setFee),
      }),
      set_account_id: call({
        index: 7,
        args: { index: named(compactU32, 'RegistrarIndex'), new: account },
        weight: w.setAccountId(MAX_REGISTRARS),
        docs: ['Change the account associated with a registrar (by the registrar).'],
        dispatch: (ctx, origin, args) => updateOwnRegistrar(ctx, args.index, ensureSigned(origin), { account: args.new }, w.setAccountId),
      }),
      set_fields: call({
        index: 8,
        args: { index: named(compactU32, 'RegistrarIndex'), fields: identityFields },
        weight: w.setFields(MAX_REGISTRARS),
        docs: ['Set the fields that a registrar cares about in their judgements (by the registrar).'],
        dispatch: (ctx, origin, args) => updateOwnRegistrar(ctx, args.index, ensureSigned(origin), { fields: args.fields }, w.setFields),
      }),
      provide_judgement: call({
        index: 9,
        args: { reg_index: named(compactU32, 'RegistrarIndex'), target: multiAddress, judgement: named(judgement, 'Judgement<BalanceOf<T>>') },
        weight: w.provideJudgement(MAX_REGISTRARS, MAX_ADDITIONAL_FIELDS),
        docs: ["Provide a judgement for an account's identity (by the registrar); a fee held for it is paid to the registrar."],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const target = lookupAddress(args.target)
          // A registrar cannot give itself the fee of a pending request by judging FeePaid.
          if (args.judgement.tag === 'FeePaid') throw moduleError(identityErrors.InvalidJudgement)
          ownRegistrar(ctx, args.reg_index, who)
          const id = IdentityOf.get(ctx.state, target)
          if (id === undefined) throw moduleError(identityErrors.InvalidTarget)
          const item: [number, Judgement] = [args.reg_index, args.judgement]
          const { found, at } = findJudgement(id, args.reg_index)
          if (found) {
            const previous = id.judgements[at]![1]
            if (previous.tag === 'FeePaid') {
              // Substrate ignores a failed repatriation (`let _ =`): the fee then stays reserved.
              ignoreFailure(() => repatriateReserved(ctx, target, who, previous.value))
            }
            id.judgements[at] = item
          } else id.judgements.splice(at, 0, item)
          IdentityOf.insert(ctx.state, target, id)
          ctx.deposit(events.JudgementGiven, { target, registrar_index: args.reg_index })
          return { actualWeight: w.provideJudgement(id.judgements.length, id.info.additional.length) }
        },
      }),
      kill_identity: call({
        index: 10,
        args: { target: multiAddress },
        weight: w.killIdentity(MAX_REGISTRARS, MAX_SUB_ACCOUNTS, MAX_ADDITIONAL_FIELDS),
        docs: ["Remove an account's identity and sub-account information and slash the deposits to the treasury (root)."],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          const target = lookupAddress(args.target)
          const [subsDeposit, subIds] = SubsOf.get(ctx.state, target)
          const id = IdentityOf.get(ctx.state, target)
          if (id === undefined) throw moduleError(identityErrors.NotNamed)
          SubsOf.remove(ctx.state, target)
          IdentityOf.remove(ctx.state, target)
          const deposit = totalDeposit(id) + subsDeposit
          for (const sub of subIds) SuperOf.remove(ctx.state, sub)
          // Crust's `Slashed = Treasury` (runtime/src/lib.rs:331).
          depositIntoTreasury(ctx, slashReserved(ctx, target, deposit))
          ctx.deposit(events.IdentityKilled, { who: target, deposit })
          return { actualWeight: w.killIdentity(id.judgements.length, subIds.length, id.info.additional.length) }
        },
      }),
      add_sub: call({
        index: 11,
        args: { sub: multiAddress, data },
        weight: w.addSub(MAX_SUB_ACCOUNTS),
        docs: ["Add the given account to the sender's subs, reserving SubAccountDeposit."],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const sub = lookupAddress(args.sub)
          if (!IdentityOf.contains(ctx.state, who)) throw moduleError(identityErrors.NoIdentity)
          if (SuperOf.contains(ctx.state, sub)) throw moduleError(identityErrors.AlreadyClaimed)
          const [deposit, ids] = SubsOf.get(ctx.state, who)
          if (ids.length >= MAX_SUB_ACCOUNTS) throw moduleError(identityErrors.TooManySubAccounts)
          reserve(ctx, who, SUB_ACCOUNT_DEPOSIT)
          SuperOf.insert(ctx.state, sub, [who, args.data])
          SubsOf.insert(ctx.state, who, [deposit + SUB_ACCOUNT_DEPOSIT, [...ids, sub]])
          ctx.deposit(events.SubIdentityAdded, { sub, main: who, deposit: SUB_ACCOUNT_DEPOSIT })
        },
      }),
      rename_sub: call({
        index: 12,
        args: { sub: multiAddress, data },
        weight: w.renameSub(MAX_SUB_ACCOUNTS),
        docs: ['Alter the associated name of the given sub-account.'],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          const sub = lookupAddress(args.sub)
          if (!IdentityOf.contains(ctx.state, who)) throw moduleError(identityErrors.NoIdentity)
          const sup = SuperOf.get(ctx.state, sub)
          if (sup === undefined || !same(sup[0], who)) throw moduleError(identityErrors.NotOwned)
          SuperOf.insert(ctx.state, sub, [who, args.data])
        },
      }),
      remove_sub: call({
        index: 13,
        args: { sub: multiAddress },
        weight: w.removeSub(MAX_SUB_ACCOUNTS),
        docs: ["Remove the given account from the sender's subs; its deposit is returned."],
        dispatch: (ctx, origin, args) => {
          const who = ensureSigned(origin)
          if (!IdentityOf.contains(ctx.state, who)) throw moduleError(identityErrors.NoIdentity)
          const sub = lookupAddress(args.sub)
          const sup = SuperOf.get(ctx.state, sub)
          if (sup === undefined) throw moduleError(identityErrors.NotSub)
          if (!same(sup[0], who)) throw moduleError(identityErrors.NotOwned)
          SuperOf.remove(ctx.state, sub)
          const [subsDeposit, ids] = SubsOf.get(ctx.state, who)
          const deposit = SUB_ACCOUNT_DEPOSIT < subsDeposit ? SUB_ACCOUNT_DEPOSIT : subsDeposit
          // SubsOf is a ValueQuery map: Substrate's `mutate` writes the emptied entry back.
          SubsOf.insert(ctx.state, who, [subsDeposit - deposit, ids.filter((id) => !same(id, sub))])
          unreserve(ctx, who, deposit)
          ctx.deposit(events.SubIdentityRemoved, { sub, main: who, deposit })
        },
      }),
      quit_sub: call({
        index: 14,
        args: {},
        weight: w.quitSub(MAX_SUB_ACCOUNTS),
        docs: ['Remove the sender as a sub-account; the deposit for it goes to the sender (not the original depositor).'],
        dispatch: (ctx, origin) => {
          const who = ensureSigned(origin)
          const sup = SuperOf.get(ctx.state, who)
          if (sup === undefined) throw moduleError(identityErrors.NotSub)
          SuperOf.remove(ctx.state, who)
          const main = sup[0]
          const [subsDeposit, ids] = SubsOf.get(ctx.state, main)
          const deposit = SUB_ACCOUNT_DEPOSIT < subsDeposit ? SUB_ACCOUNT_DEPOSIT : subsDeposit
          SubsOf.insert(ctx.state, main, [subsDeposit - deposit, ids.filter((id) => !same(id, who))])
          ignoreFailure(() => repatriateReserved(ctx, main, who, deposit))
          ctx.deposit(events.SubIdentityRevoked, { sub: who, main, deposit })
        },
      }),
    },
    events,
    errors: identityErrors,
    constants: {
      BasicDeposit: constant(balance, () => BASIC_DEPOSIT, 'The amount held on deposit for a registered identity.'),
      FieldDeposit: constant(balance, () => FIELD_DEPOSIT, 'The amount held on deposit per additional field for a registered identity.'),
      SubAccountDeposit: constant(balance, () => SUB_ACCOUNT_DEPOSIT, 'The amount held on deposit for a registered subaccount.'),
      MaxSubAccounts: constant(u32, () => MAX_SUB_ACCOUNTS, 'The maximum number of sub-accounts allowed per identified account.'),
      MaxAdditionalFields: constant(u32, () => MAX_ADDITIONAL_FIELDS, 'Maximum number of additional fields that may be stored in an ID.'),
      MaxRegistrars: constant(u32, () => MAX_REGISTRARS, 'Maximum number of registrars allowed in the system.'),
    },
  })
}
