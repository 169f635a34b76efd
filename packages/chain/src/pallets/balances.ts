/**
 * `pallet_balances`: free balances in `System.Account`, transfers, the existential deposit, and the
 * withdraw/deposit primitives other pallets (fees, market, staking) build on.
 */
import { TREASURY_ACCOUNT, treasuryDepositEvent } from './treasury-account.js'
import { accountId32, bool, compactU128, enumeration, fixedBytes, type Infer, named, struct, u32, u128, vec } from '../primitives/codec/scale-type.js'
import {
  call,
  constant,
  type BlockContext,
  DispatchError,
  definePallet,
  ensureRoot,
  ensureSigned,
  errors,
  event,
  moduleError,
  type Pallet,
} from '../frame/pallet.js'
import { mapWithDefault, type StorageAccess, type StorageReader, valueWithDefault } from '../frame/storage.js'
import { type MultiAddress, multiAddress } from '../primitives/substrate-types.js'
import { Account, type AccountInfo, events as systemEvents } from './system.js'

const PALLET = 'Balances'
const balance = named(u128, 'T::Balance')
const account = named(accountId32, 'T::AccountId')

export const TotalIssuance = valueWithDefault({
  pallet: PALLET,
  name: 'TotalIssuance',
  value: balance,
  default: 0n,
  docs: ['The total units issued in the system.'],
})

/** Substrate's `BalanceLock { id: [u8; 8], amount, reasons }`; reasons `All` freezes against every withdrawal. */
export const balanceLock = struct(['pallet_balances', 'types', 'BalanceLock'], {
  id: fixedBytes(8),
  amount: balance,
  reasons: enumeration(['pallet_balances', 'types', 'Reasons'], { Fee: { index: 0 }, Misc: { index: 1 }, All: { index: 2 } }),
})
export type BalanceLock = Infer<typeof balanceLock>

export const Locks = mapWithDefault({
  pallet: PALLET,
  name: 'Locks',
  hasher: 'Blake2_128Concat',
  key: account,
  value: vec(balanceLock),
  default: [],
  docs: ['Any liquidity locks on some account balances.'],
})

/**
 * Substrate's named reserves (`ReserveData { id: [u8; 8], amount }`). Crust-ts reserves are unnamed,
 * so this map stays empty; it is declared because @polkadot/api's `balances.all` derive reads it
 * (and otherwise builds `Vec<PalletBalancesReserveData>` by a name the metadata would not define).
 */
export const reserveData = struct(['pallet_balances', 'types', 'ReserveData'], { id: fixedBytes(8), amount: balance })

export const Reserves = mapWithDefault({
  pallet: PALLET,
  name: 'Reserves',
  hasher: 'Blake2_128Concat',
  key: account,
  value: vec(reserveData),
  default: [],
  docs: ['Named reserves on some account balances.'],
})

/** `frame_support::traits::tokens::misc::BalanceStatus`: where repatriated funds land. */
export const balanceStatus = enumeration(['frame_support', 'traits', 'tokens', 'misc', 'BalanceStatus'], { Free: { index: 0 }, Reserved: { index: 1 } })

export const events = {
  Endowed: event(0, { account, free_balance: balance }, 'An account was created with some free balance.'),
  DustLost: event(
    1,
    { account, amount: balance },
    'An account was removed whose balance was non-zero but below ExistentialDeposit, resulting in an outright loss.',
  ),
  Transfer: event(2, { from: account, to: account, amount: balance }, 'Transfer succeeded.'),
  BalanceSet: event(3, { who: account, free: balance }, 'A balance was set by root.'),
  Reserved: event(4, { who: account, amount: balance }, 'Some balance was reserved (moved from free to reserved).'),
  Unreserved: event(5, { who: account, amount: balance }, 'Some balance was unreserved (moved from reserved to free).'),
  ReserveRepatriated: event(
    6,
    { from: account, to: account, amount: balance, destination_status: balanceStatus },
    'Some balance was moved from the reserve of the first account to the second account.',
  ),
  Deposit: event(7, { who: account, amount: balance }, 'Some amount was deposited (e.g. for transaction fees).'),
  Withdraw: event(8, { who: account, amount: balance }, 'Some amount was withdrawn from the account (e.g. for transaction fees).'),
  Slashed: event(9, { who: account, amount: balance }, 'Some amount was removed from the account (e.g. for misbehavior).'),
}

export const balanceErrors = errors({
  VestingBalance: [0, 'Vesting balance too high to send value.'],
  LiquidityRestrictions: [1, 'Account liquidity restrictions prevent withdrawal.'],
  InsufficientBalance: [2, 'Balance too low to send value.'],
  ExistentialDeposit: [3, 'Value too low to create account due to existential deposit.'],
  Expendability: [4, 'Transfer/payment would kill account.'],
  ExistingVestingSchedule: [5, 'A vesting schedule already exists for this account.'],
  DeadAccount: [6, 'Beneficiary account must pre-exist.'],
  TooManyReserves: [7, 'Number of named reserves exceed `MaxReserves`.'],
  TooManyHolds: [8, 'Number of holds exceed `VariantCountOf<T::RuntimeHoldReason>`.'],
  TooManyFreezes: [9, 'Number of freezes exceed `MaxFreezes`.'],
  IssuanceDeactivated: [10, 'The issuance cannot be modified since it is already deactivated.'],
  DeltaZero: [11, 'The delta cannot be zero.'],
})

/** Where the balance functions emit events. */
type EventSink = Pick<BlockContext, 'state' | 'config' | 'deposit'>

/** What an account may spend: free minus frozen (staked or locked CRU cannot pay). */
export function usableBalance(info: AccountInfo): bigint {
  const usable = info.data.free - info.data.frozen
  return usable > 0n ? usable : 0n
}

export function freeBalance(state: StorageReader, who: Uint8Array): bigint {
  return Account.get(state, who).data.free
}

const exists = (info: AccountInfo) => info.providers > 0

/**
 * A reaped account's dust goes to the treasury (Crust's `DustRemoval = Treasury`, runtime/src/lib.rs:692);
 * it is burnt only when the treasury account itself is reaped or does not exist.
 */
function dustToTreasury(ctx: EventSink, who: Uint8Array, dust: bigint): void {
  const treasury = Account.get(ctx.state, TREASURY_ACCOUNT)
  if (exists(treasury) && Buffer.compare(Buffer.from(who), Buffer.from(TREASURY_ACCOUNT)) !== 0) {
    setFree(ctx, TREASURY_ACCOUNT, treasury, treasury.data.free + dust)
    ctx.deposit(treasuryDepositEvent, { value: dust })
    return
  }
  TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) - dust)
}

/**
 * Writes an account's new free balance, creating it (NewAccount, Endowed) or reaping it when its
 * total falls below the existential deposit (DustLost, KilledAccount).
 */
function setFree(ctx: EventSink, who: Uint8Array, info: AccountInfo, free: bigint): void {
  const ed = ctx.config.existentialDeposit
  const wasAlive = exists(info)
  const total = free + info.data.reserved
  if (total < ed || total === 0n) {
    if (wasAlive || total > 0n) {
      Account.remove(ctx.state, who)
      if (total > 0n) {
        ctx.deposit(events.DustLost, { account: who, amount: total })
        dustToTreasury(ctx, who, total)
      }
      if (wasAlive) ctx.deposit(systemEvents.KilledAccount, { account: who })
    }
    return
  }
  const next: AccountInfo = { ...info, data: { ...info.data, free } }
  if (!wasAlive) {
    next.providers = 1
    Account.insert(ctx.state, who, next)
    ctx.deposit(systemEvents.NewAccount, { account: who })
    ctx.deposit(events.Endowed, { account: who, free_balance: free })
    return
  }
  Account.insert(ctx.state, who, next)
}

/** Checks that `who` can pay `amount` (and keep the existential deposit when `keepAlive`). */
export function ensureCanWithdraw(config: EventSink['config'], info: AccountInfo, amount: bigint, keepAlive: boolean): void {
  if (usableBalance(info) < amount) throw moduleError(balanceErrors.InsufficientBalance)
  const remaining = info.data.free - amount
  if (keepAlive && remaining + info.data.reserved < config.existentialDeposit) throw moduleError(balanceErrors.Expendability)
}

/** Moves `amount` from `from` to `to`, as `transfer_allow_death` / `transfer_keep_alive` do. */
export function transfer(ctx: EventSink, from: Uint8Array, to: Uint8Array, amount: bigint, keepAlive: boolean): void {
  const src = Account.get(ctx.state, from)
  ensureCanWithdraw(ctx.config, src, amount, keepAlive)
  if (amount === 0n || Buffer.compare(Buffer.from(from), Buffer.from(to)) === 0) {
    ctx.deposit(events.Transfer, { from, to, amount })
    return
  }
  const dst = Account.get(ctx.state, to)
  if (!exists(dst) && amount < ctx.config.existentialDeposit) throw moduleError(balanceErrors.ExistentialDeposit)
  const newTo = dst.data.free + amount
  if (newTo >= 1n << 128n) throw DispatchError.arithmetic('Overflow')
  setFree(ctx, from, src, src.data.free - amount)
  setFree(ctx, to, Account.get(ctx.state, to), newTo)
  ctx.deposit(events.Transfer, { from, to, amount })
}

/** Takes `amount` out of circulation from `who` (fees): emits Withdraw. */
export function withdraw(ctx: EventSink, who: Uint8Array, amount: bigint, keepAlive: boolean): void {
  const info = Account.get(ctx.state, who)
  ensureCanWithdraw(ctx.config, info, amount, keepAlive)
  if (amount === 0n) return
  setFree(ctx, who, info, info.data.free - amount)
  TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) - amount)
  ctx.deposit(events.Withdraw, { who, amount })
}

/**
 * Adds `amount` to `who` (fee shares, rewards): emits Deposit. Returns false, and changes nothing,
 * when the account does not exist and `amount` is below the existential deposit.
 */
export function depositInto(ctx: EventSink, who: Uint8Array, amount: bigint): boolean {
  if (amount === 0n) return true
  const info = Account.get(ctx.state, who)
  if (!exists(info) && amount < ctx.config.existentialDeposit) return false
  setFree(ctx, who, info, info.data.free + amount)
  TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) + amount)
  ctx.deposit(events.Deposit, { who, amount })
  return true
}

/**
 * Pays `amount` into the treasury's pot, as the treasury's `OnUnbalanced` does with fee shares and
 * slashes (Crust's `DealWithFees`, `Slash = Treasury`): Balances.Deposit and, for a non-zero amount,
 * Treasury.Deposit.
 */
export function depositIntoTreasury(ctx: EventSink, amount: bigint): void {
  if (amount === 0n) return
  if (depositInto(ctx, TREASURY_ACCOUNT, amount)) ctx.deposit(treasuryDepositEvent, { value: amount })
}

/**
 * Takes up to `amount` out of `who`'s balance, free first then reserved, regardless of locks
 * (Substrate's `Currency::slash`): emits `Slashed`, lowers the total issuance, and reaps the account
 * when what is left is below the existential deposit. Returns the amount slashed and the part of
 * `amount` that could not be (the caller decides where the slashed value goes).
 */
export function slash(ctx: EventSink, who: Uint8Array, amount: bigint): { slashed: bigint; missing: bigint } {
  const info = Account.get(ctx.state, who)
  if (amount === 0n || info.data.free + info.data.reserved === 0n) return { slashed: 0n, missing: amount }
  const fromFree = info.data.free < amount ? info.data.free : amount
  const rest = amount - fromFree
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
  const fromReserved = info.data.reserved < rest ? info.data.reserved : rest
  const slashed = fromFree + fromReserved
  TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) - slashed)
  ctx.deposit(events.Slashed, { who, amount: slashed })
  setFree(ctx, who, { ...info, data: { ...info.data, reserved: info.data.reserved - fromReserved } }, info.data.free - fromFree)
  return { slashed, missing: amount - slashed }
}

/** The part of `who`'s balance that is reserved (benefit funds, deposits). */
export function reservedBalance(state: StorageReader, who: Uint8Array): bigint {
  return Account.get(state, who).data.reserved
}

/**
 * Moves `amount` from `who`'s free balance to its reserved balance (Substrate's
 * `ReservableCurrency::reserve`): emits `Reserved`. Frozen (staked, locked) CRU cannot be reserved.
 * The account's total does not change, so it stays alive even with no free balance left.
 * Throws `InsufficientBalance` when free < amount, `LiquidityRestrictions` when the rest of free
 * would fall below the frozen amount. Reserving 0 does nothing.
 */
export function reserve(ctx: EventSink, who: Uint8Array, amount: bigint): void {
  if (amount === 0n) return
  const info = Account.get(ctx.state, who)
  if (info.data.free < amount) throw moduleError(balanceErrors.InsufficientBalance)
  const free = info.data.free - amount
  if (free < info.data.frozen) throw moduleError(balanceErrors.LiquidityRestrictions)
  const reserved = info.data.reserved + amount
  if (reserved >= 1n << 128n) throw DispatchError.arithmetic('Overflow')
  Account.insert(ctx.state, who, { ...info, data: { ...info.data, free, reserved } })
  ctx.deposit(events.Reserved, { who, amount })
}

/**
 * Moves up to `amount` from `who`'s reserved balance back to free (Substrate's
 * `ReservableCurrency::unreserve`): emits `Unreserved` with the amount actually moved. Returns the
 * part of `amount` that could not be unreserved (0 when all of it was). Never fails.
 */
export function unreserve(ctx: EventSink, who: Uint8Array, amount: bigint): bigint {
  if (amount === 0n) return 0n
  const info = Account.get(ctx.state, who)
  if (info.data.free + info.data.reserved === 0n) return amount
  const actual = info.data.reserved < amount ? info.data.reserved : amount
  Account.insert(ctx.state, who, { ...info, data: { ...info.data, free: info.data.free + actual, reserved: info.data.reserved - actual } })
  ctx.deposit(events.Unreserved, { who, amount: actual })
  return amount - actual
}

/**
 * Takes up to `amount` out of `who`'s reserved balance and out of circulation (Substrate's
 * `ReservableCurrency::slash_reserved`; the caller pays the result on, e.g. to the treasury).
 * Returns the amount slashed.
 */
export function slashReserved(ctx: EventSink, who: Uint8Array, amount: bigint): bigint {
  if (amount === 0n) return 0n
  const info = Account.get(ctx.state, who)
  if (info.data.free + info.data.reserved === 0n) return 0n
  const actual = info.data.reserved < amount ? info.data.reserved : amount
  if (actual === 0n) return 0n
  TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) - actual)
  ctx.deposit(events.Slashed, { who, amount: actual })
  setFree(ctx, who, { ...info, data: { ...info.data, reserved: info.data.reserved - actual } }, info.data.free)
  return actual
}

/**
 * Moves up to `amount` of `from`'s reserved balance into `to`'s free balance (Substrate 3.0's
 * `repatriate_reserved` with `BalanceStatus::Free`): emits `ReserveRepatriated`. `to` must exist
 * (`DeadAccount`); to oneself it is an unreserve. Returns the part that could not be moved.
 */
export function repatriateReserved(ctx: EventSink, from: Uint8Array, to: Uint8Array, amount: bigint): bigint {
  if (amount === 0n) return 0n
  if (Buffer.compare(Buffer.from(from), Buffer.from(to)) === 0) return unreserve(ctx, from, amount)
  const dst = Account.get(ctx.state, to)
  if (!exists(dst)) throw moduleError(balanceErrors.DeadAccount)
  const src = Account.get(ctx.state, from)
  const actual = src.data.reserved < amount ? src.data.reserved : amount
  if (dst.data.free + actual >= 1n << 128n) throw DispatchError.arithmetic('Overflow')
  Account.insert(ctx.state, from, { ...src, data: { ...src.data, reserved: src.data.reserved - actual } })
  Account.insert(ctx.state, to, { ...dst, data: { ...dst.data, free: dst.data.free + actual } })
  ctx.deposit(events.ReserveRepatriated, { from, to, amount: actual, destination_status: { tag: 'Free', value: undefined } })
  return amount - actual
}

const sameId = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** Recomputes `frozen` as the largest lock (locks overlap, as Substrate's do). */
function applyLocks(state: StorageAccess, who: Uint8Array, locks: BalanceLock[]): void {
  if (locks.length === 0) Locks.remove(state, who)
  else Locks.insert(state, who, locks)
  const info = Account.get(state, who)
  // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
  const frozen = locks.reduce((max, l) => (l.amount > max ? l.amount : max), 0n)
  if (info.providers === 0 && info.data.free === 0n) return
  Account.insert(state, who, { ...info, data: { ...info.data, frozen } })
}

/** Sets (or replaces) the lock `id` (8 bytes) on `who`'s balance to `amount` (Substrate's `set_lock` with all reasons). */
export function setLock(ctx: Pick<EventSink, 'state'>, who: Uint8Array, id: Uint8Array, amount: bigint): void {
  const locks = Locks.get(ctx.state, who).filter((l) => !sameId(l.id, id))
  if (amount > 0n) locks.push({ id, amount, reasons: { tag: 'All', value: undefined } })
  applyLocks(ctx.state, who, locks)
}

/** Removes the lock `id` from `who`'s balance. */
export function removeLock(ctx: Pick<EventSink, 'state'>, who: Uint8Array, id: Uint8Array): void {
  applyLocks(
    ctx.state,
    who,
    Locks.get(ctx.state, who).filter((l) => !sameId(l.id, id)),
  )
}

/** The largest lock on `who` other than `id` (what another pallet's lock keeps frozen). */
export function otherLocksFrozen(state: StorageReader, who: Uint8Array, id: Uint8Array): bigint {
  return Locks.get(state, who).reduce((max, l) => (!sameId(l.id, id) && l.amount > max ? l.amount : max), 0n)
}

/** Genesis endowment: no events. */
export function endowAtGenesis(state: StorageAccess, who: Uint8Array, amount: bigint): void {
  const info = Account.get(state, who)
  Account.insert(state, who, { ...info, providers: Math.max(info.providers, 1), data: { ...info.data, free: info.data.free + amount } })
  TotalIssuance.put(state, TotalIssuance.get(state) + amount)
}

/** The account a MultiAddress names; only `Id` is supported (no indices pallet). */
export function lookupAddress(address: MultiAddress): Uint8Array {
  if (address.tag === 'Id') return address.value
  if (address.tag === 'Address32') return address.value
  throw DispatchError.cannotLookup()
}

// Weights are Substrate's benchmarked figures for pallet_balances, rounded.
// Crust's balances weights (runtime/src/weights/pallet_balances.rs:13-37; RocksDbWeight: read 25·10^6, write 10^8).
/** `transfer`: 93_087_000 + 1 read + 1 write (also `transfer_allow_death`, its modern name, and `transfer_all`). */
const TRANSFER_WEIGHT = 93_087_000n + 25_000_000n + 100_000_000n
/** `transfer_keep_alive`: 63_971_000 + 1 read + 1 write. */
const TRANSFER_KEEP_ALIVE_WEIGHT = 63_971_000n + 25_000_000n + 100_000_000n
/** `force_transfer`: 91_707_000 + 2 reads + 2 writes. */
const FORCE_TRANSFER_WEIGHT = 91_707_000n + 2n * 25_000_000n + 2n * 100_000_000n
/** `set_balance`: max(creating 35_018_000, killing 44_144_000) + 1 read + 1 write. */
const SET_BALANCE_WEIGHT = 44_144_000n + 25_000_000n + 100_000_000n

export function balancesPallet(index: number): Pallet {
  return definePallet({
    name: PALLET,
    index,
    path: 'pallet_balances',
    storage: [TotalIssuance, Locks, Reserves],
    calls: {
      transfer_allow_death: call({
        index: 0,
        args: { dest: multiAddress, value: named(compactU128, 'T::Balance') },
        weight: TRANSFER_WEIGHT,
        docs: ['Transfer some liquid free balance to another account; the sender may be reaped.'],
        dispatch: (ctx, origin, { dest, value }) => transfer(ctx, ensureSigned(origin), lookupAddress(dest), value, false),
      }),
      force_transfer: call({
        index: 2,
        args: { source: multiAddress, dest: multiAddress, value: named(compactU128, 'T::Balance') },
        weight: FORCE_TRANSFER_WEIGHT,
        docs: ['Exactly as `transfer_allow_death`, except the origin must be root and the source account may be specified.'],
        dispatch: (ctx, origin, { source, dest, value }) => {
          ensureRoot(origin)
          transfer(ctx, lookupAddress(source), lookupAddress(dest), value, false)
        },
      }),
      transfer_keep_alive: call({
        index: 3,
        args: { dest: multiAddress, value: named(compactU128, 'T::Balance') },
        weight: TRANSFER_KEEP_ALIVE_WEIGHT,
        docs: ['Same as `transfer_allow_death`, but the sender must keep the existential deposit.'],
        dispatch: (ctx, origin, { dest, value }) => transfer(ctx, ensureSigned(origin), lookupAddress(dest), value, true),
      }),
      transfer_all: call({
        index: 4,
        args: { dest: multiAddress, keep_alive: bool },
        weight: TRANSFER_WEIGHT,
        docs: ['Transfer the entire transferable balance from the caller account.'],
        dispatch: (ctx, origin, { dest, keep_alive }) => {
          const who = ensureSigned(origin)
          const info = Account.get(ctx.state, who)
          let amount = usableBalance(info)
          if (keep_alive) {
            const floor = ctx.config.existentialDeposit - info.data.reserved
            amount = info.data.free - (floor > 0n ? floor : 0n)
            if (amount > usableBalance(info)) amount = usableBalance(info)
          }
          transfer(ctx, who, lookupAddress(dest), amount > 0n ? amount : 0n, keep_alive)
        },
      }),
      // Crust's (and older Substrate's) name for `transfer_allow_death`; Crust Apps' Transfer page
      // and send buttons look for it. Substrate kept it at call index 7 when it was renamed.
      transfer: call({
        index: 7,
        args: { dest: multiAddress, value: named(compactU128, 'T::Balance') },
        weight: TRANSFER_WEIGHT,
        docs: ["Same as the `transfer_allow_death` call (Crust's name for it)."],
        dispatch: (ctx, origin, { dest, value }) => transfer(ctx, ensureSigned(origin), lookupAddress(dest), value, false),
      }),
      force_set_balance: call({
        index: 8,
        args: { who: multiAddress, new_free: named(compactU128, 'T::Balance') },
        weight: SET_BALANCE_WEIGHT,
        docs: ['Set the regular balance of a given account. The dispatch origin must be root.'],
        dispatch: (ctx, origin, { who, new_free }) => {
          ensureRoot(origin)
          const target = lookupAddress(who)
          const info = Account.get(ctx.state, target)
          TotalIssuance.put(ctx.state, TotalIssuance.get(ctx.state) - info.data.free + new_free)
          setFree(ctx, target, info, new_free)
          ctx.deposit(events.BalanceSet, { who: target, free: new_free })
        },
      }),
    },
    events,
    errors: balanceErrors,
    constants: {
      ExistentialDeposit: constant(balance, (c) => c.existentialDeposit, 'The minimum amount required to keep an account open.'),
      MaxLocks: constant(u32, () => 50, 'The maximum number of locks that should exist on an account.'),
      MaxReserves: constant(u32, () => 50, 'The maximum number of named reserves that can exist on an account.'),
    },
  })
}
