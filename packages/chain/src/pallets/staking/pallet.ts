/**
 * `Staking` (Crust's GPoS, crustio/crust: cstrml/staking): bonding, validator and guarantor roles,
 * stake limits from sWork's workload hand-off, the era election with capped exposures (election.ts),
 * era rewards (rewards.ts: authoring points in on_finalize, the ending era's payouts at the next
 * era's first block), slashing (slashing.ts) and Crust's root calls.
 *
 * Sessions and eras run on block numbers (era.ts): at each session's first block `onInitialize`
 * rotates the session and, every `sessionsPerEra` sessions (or when forced), ends the era and starts
 * the next with its election; benefits reads the era from `ActiveEra`.
 * Stake limits are recomputed in `onFinalize` of the block where sWork hands over a workload.
 * Calls, events and errors keep Crust's names, arguments and order. Crust has no `set_payee`:
 * the payee is always `Staked`.
 */
import { accountId32, bool, bytes, compactU32, named, tuple, u8, u32, vec } from '../../primitives/codec/scale-type.js'
import {
  type BlockContext,
  call,
  constant,
  type DispatchContext,
  definePallet,
  ensureRoot,
  ensureSigned,
  moduleError,
  type Pallet,
} from '../../frame/pallet.js'
import type { StorageAccess } from '../../frame/storage.js'
import { multiAddress } from '../../primitives/substrate-types.js'
import { Account } from '../system.js'
import { freeBalance, lookupAddress, otherLocksFrozen, TotalIssuance } from '../balances.js'
import { takeWorkload, totalWorkload, type WorkloadHandOff } from '../swork/interface.js'
import { Now } from '../timestamp.js'
import {
  AUTHORING_POINTS_PER_BLOCK,
  BONDING_DURATION,
  GENESIS_SLASH_REWARD_FRACTION,
  HISTORY_DEPTH,
  MAX_GUARANTEE,
  MAX_OFFENCE_AGE_ERAS,
  MAX_UNLOCKING_CHUNKS,
  SLASH_DEFER_DURATION,
  STAKING_ID,
  UNCHECKED_FROZEN_BOND_FUND,
} from './constants.js'
import { events, stakingErrors } from './errors.js'
import { reportEquivocation } from './equivocation.js'
import { consolidateUnlocked, minBalance, rebondLedger, unlockStash, updateLedger } from './ledger.js'
import { rewardByIds, rewardStakers } from './rewards.js'
import { electionStep, isSessionStart, rotateSession, sessionTiming } from './era.js'
import { ELECTION_PAGE_STORAGE } from './election-pages.js'
import { SessionValidators } from './session.js'
import { chillStash, clearStashMetadata } from './slashing.js'
import { stakeLimitOf, totalStakeLimit } from './stake-limit.js'
import {
  ActiveEra,
  Bonded,
  BondedEras,
  CurrentElected,
  CurrentEra,
  ErasAuthorities,
  ErasStakingPayout,
  ErasStartSessionIndex,
  ErasTotalStakes,
  ErasValidatorPrefs,
  ForceEra,
  ForceSelection,
  Guarantors,
  insertGuarantor,
  insertValidator,
  Invulnerables,
  Ledger,
  Payee,
  removeGuarantor,
  removeValidator,
  sameAccount,
  SlashRewardFraction,
  STORAGE,
  StakeLimit,
  StartRewardEra,
  UnappliedSlashes,
  ValidatorCount,
  Validators,
  ValidatorsList,
  ValidatorsWhitelist,
} from './storage.js'
import { balance, compactBalance, type Guarantee, PERBILL_ONE_PARTS, type StakingLedger, validatorPrefs } from './types.js'

const PALLET = 'Staking'
const err = stakingErrors

// Crust's benchmarked weights (crustio/crust cstrml/staking/src/weight.rs:13-67, as runtime/src/lib.rs
// configures `staking::weight::WeightInfo`) plus RocksDbWeight (a read 25·10^6, a write 10^8), and the
// figures cstrml/staking/src/lib.rs writes in its calls' `#[weight]` (WEIGHT_PER_MICROS = 10^6).
const dbWeight = (base: bigint, reads: bigint, writes: bigint) => base + reads * 25_000_000n + writes * 100_000_000n
const WEIGHTS = {
  bond: dbWeight(67_000_000n, 10n, 7n),
  bondExtra: dbWeight(31_000_000n, 4n, 0n),
  unbond: dbWeight(52_000_000n, 8n, 5n),
  rebond: (chunks: bigint) => dbWeight(37_039_000n + 93_000n * chunks, 3n, 3n),
  withdrawUnbonded: dbWeight(34_000_000n, 4n, 3n),
  validate: dbWeight(12_000_000n, 1n, 2n),
  guarantee: dbWeight(79_000_000n, 4n, 2n),
  cutGuarantee: dbWeight(57_000_000n, 2n, 1n),
  chill: dbWeight(12_000_000n, 1n, 2n),
  setController: dbWeight(26_000_000n, 3n, 3n),
  // `2 * WEIGHT_PER_MICROS + T::DbWeight::get().writes(1)` (set_validator_count, force_no_eras, force_new_era, force_new_era_always).
  root: dbWeight(2_000_000n, 0n, 1n),
  // Crust declares `120 * WEIGHT_PER_MICROS` whatever the number of guarantors paid. Deliberately
  // not followed: a payout writes to every guarantor of the validator, so a flat 120 µs lets one
  // block carry thousands of payouts at a fee that ignores their work. Weighed as the payout does
  // it, for the most guarantors (64): Substrate's payout_stakers shape.
  rewardStakers: dbWeight(120_000_000n + 54_000_000n * 64n, 11n + 3n * 64n, 2n + 2n * 64n),
  // `writes(1) + 2 * WEIGHT_PER_MICROS + 6 * WEIGHT_PER_NANOS * validators.len()`
  setInvulnerables: (validators: number) => dbWeight(2_000_000n + 6_000n * BigInt(validators), 0n, 1n),
  // rebond's post-dispatch weight: `35 * WEIGHT_PER_MICROS + 50 * WEIGHT_PER_NANOS * unlocking.len() + reads_writes(3, 2)`.
  rebondUsed: (chunks: number) => dbWeight(35_000_000n + 50_000n * BigInt(chunks), 3n, 2n),
}

/** The era dispatches count by (Crust's `current_era`). */
const eraOf = (ctx: Pick<DispatchContext, 'state'>) => CurrentEra.get(ctx.state) ?? 0

function ledgerOf(ctx: DispatchContext, controller: Uint8Array): StakingLedger {
  const ledger = Ledger.get(ctx.state, controller)
  if (ledger === undefined) throw moduleError(err.NotController)
  return ledger
}

/** Removes every trace of a stash (Crust's `kill_stash`). */
function killStash(ctx: Pick<BlockContext, 'state'>, stash: Uint8Array, controller: Uint8Array): void {
  Bonded.remove(ctx.state, stash)
  Ledger.remove(ctx.state, controller)
  Payee.remove(ctx.state, stash)
  removeValidator(ctx.state, stash)
  removeGuarantor(ctx.state, stash)
  StakeLimit.remove(ctx.state, stash)
  clearStashMetadata(ctx.state, stash)
  unlockStash(ctx, stash)
}

/** Crust's `kill_stash` for a stash given by its id: NotStash when it is not bonded. */
function killBondedStash(ctx: Pick<BlockContext, 'state'>, stash: Uint8Array): void {
  const controller = Bonded.get(ctx.state, stash)
  if (controller === undefined) throw moduleError(err.NotStash)
  killStash(ctx, stash, controller)
}

/** Recomputes every candidate's stake limit from a workload hand-off (Crust's `report_works`). */
export function applyWorkload(ctx: Pick<BlockContext, 'state' | 'deposit'>, handOff: WorkloadHandOff): void {
  const active = ActiveEra.get(ctx.state)
  const totalStakes = active === undefined ? undefined : ErasTotalStakes.get(ctx.state, active.index)
  const limit = totalStakeLimit(totalStakes, TotalIssuance.get(ctx.state))
  const byOwner = new Map(handOff.workload.map(([owner, bytes]) => [Buffer.from(owner).toString('hex'), bytes]))
  for (const stash of ValidatorsList.all(ctx.state)) {
    const own = byOwner.get(Buffer.from(stash).toString('hex')) ?? 0n
    StakeLimit.insert(ctx.state, stash, stakeLimitOf(own, handOff.totalWorkload, limit))
  }
  ctx.deposit(events.UpdateStakeLimitSuccess, { owners: handOff.workload.length })
}

/**
 * Lowers `stash`'s stake limit at once by what `workload` bytes are worth under the current
 * totals (as the next aggregation would, without waiting for it): a storage node's replica removed
 * by a failed challenge. Not in Crust. Returns the amount taken off.
 */
export function lowerStakeLimit(state: StorageAccess, stash: Uint8Array, workload: bigint): bigint {
  const current = StakeLimit.get(state, stash)
  if (current === undefined || workload <= 0n) return 0n
  const active = ActiveEra.get(state)
  const totalStakes = active === undefined ? undefined : ErasTotalStakes.get(state, active.index)
  const worth = stakeLimitOf(workload, totalWorkload(state), totalStakeLimit(totalStakes, TotalIssuance.get(state)))
  const cut = minBalance(worth, current)
  StakeLimit.insert(state, stash, current - cut)
  return cut
}

/**
 * What the chain spec gives staking at genesis: the invulnerable genesis validators (the first
 * session's set), era 0 and Crust's SlashRewardFraction of 10 %.
 */
export function buildStakingGenesis(state: StorageAccess, validators: Uint8Array[], validatorCount = validators.length, startRewardEra?: number): void {
  if (startRewardEra !== undefined) StartRewardEra.put(state, startRewardEra)
  Invulnerables.put(state, validators)
  ValidatorCount.put(state, validatorCount)
  SlashRewardFraction.put(state, GENESIS_SLASH_REWARD_FRACTION)
  CurrentEra.put(state, 0)
  ActiveEra.put(state, { index: 0, start: undefined })
  ErasStartSessionIndex.insert(state, 0, 0)
  BondedEras.put(state, [[0, 0]])
  SessionValidators.put(state, validators)
  ErasAuthorities.insert(state, 0, validators)
}

const ensureVotes = (ctx: DispatchContext, votes: bigint) => {
  if (votes <= ctx.config.existentialDeposit) throw moduleError(err.InsufficientValue)
}

export function stakingPallet(index: number): Pallet {
  const controllerArg = multiAddress
  const target = tuple(multiAddress, balance)
  return definePallet({
    name: PALLET,
    index,
    path: 'cstrml_staking',
    storage: [...STORAGE, ...ELECTION_PAGE_STORAGE],
    events,
    errors: stakingErrors,
    constants: {
      BondingDuration: constant(named(u32, 'EraIndex'), () => BONDING_DURATION, 'Number of eras that staked funds must remain bonded for.'),
      MaxGuarantee: constant(u32, () => MAX_GUARANTEE, 'Maximum number of validators one guarantor may guarantee.'),
      SessionsPerEra: constant(named(u32, 'SessionIndex'), (config) => sessionTiming(config).sessionsPerEra, 'Number of sessions per era.'),
      SlashDeferDuration: constant(
        named(u32, 'EraIndex'),
        () => SLASH_DEFER_DURATION,
        'Number of eras that slashes are deferred by, after computation. This should be less than the bonding duration.',
      ),
      MaxOffenceAge: constant(
        named(u32, 'EraIndex'),
        () => MAX_OFFENCE_AGE_ERAS,
        'Not in Crust: how many eras old an offence may be when reported (BondingDuration − SlashDeferDuration − 1, so that its deferred slash still finds the stake bonded at the offence).',
      ),
    },
    onInitialize: (ctx) => {
      if (isSessionStart(ctx.config, ctx.blockNumber)) rotateSession(ctx)
      else electionStep(ctx)
    },
    onFinalize: (ctx) => {
      // sWork's hand-off of the block (written in its on_initialize) is taken at the end of the same
      // block rather than in on_initialize, so the hand-off stays readable while the block runs.
      const handOff = takeWorkload(ctx.state)
      if (handOff !== undefined) applyWorkload(ctx, handOff)
      const active = ActiveEra.get(ctx.state)
      if (active !== undefined && active.start === undefined) ActiveEra.put(ctx.state, { ...active, start: Now.get(ctx.state) })
      if (active === undefined) return
      if (ctx.author !== undefined) rewardByIds(ctx.state, active.index, ctx.author, AUTHORING_POINTS_PER_BLOCK)
    },
    calls: {
      bond: call({
        index: 0,
        args: { controller: controllerArg, value: compactBalance },
        weight: WEIGHTS.bond,
        docs: ['Take the origin account as a stash and lock up `value` of its balance; `controller` controls it. Rewards are always staked.'],
        dispatch: (ctx, origin, args) => {
          const stash = ensureSigned(origin)
          if (Bonded.contains(ctx.state, stash)) throw moduleError(err.AlreadyBonded)
          const controller = lookupAddress(args.controller)
          if (Ledger.contains(ctx.state, controller)) throw moduleError(err.AlreadyPaired)
          if (args.value < ctx.config.existentialDeposit) throw moduleError(err.InsufficientValue)
          const frozen = Account.get(ctx.state, stash).data.frozen
          if (args.value + UNCHECKED_FROZEN_BOND_FUND < frozen) throw moduleError(err.InsufficientFrozenBond)
          Bonded.insert(ctx.state, stash, controller)
          Payee.insert(ctx.state, stash, { tag: 'Staked', value: undefined })
          const free = freeBalance(ctx.state, stash)
          const value = minBalance(args.value, free)
          const current = eraOf(ctx)
          const claimed: number[] = []
          for (let e = Math.max(0, current - HISTORY_DEPTH); e < current; e++) claimed.push(e)
          ctx.deposit(events.Bonded, { stash, amount: value })
          updateLedger(ctx, controller, { stash, total: value, active: value, unlocking: [], claimed_rewards: claimed })
        },
      }),
      bond_extra: call({
        index: 1,
        args: { max_additional: compactBalance },
        weight: WEIGHTS.bondExtra,
        docs: ['Add some extra amount that has appeared in the stash `free_balance` into the balance up for staking.'],
        dispatch: (ctx, origin, { max_additional }) => {
          const stash = ensureSigned(origin)
          const controller = Bonded.get(ctx.state, stash)
          if (controller === undefined) throw moduleError(err.NotStash)
          const ledger = ledgerOf(ctx, controller)
          const free = freeBalance(ctx.state, stash)
          if (free <= ledger.total) return
          const room = free - ledger.total
          const extra = minBalance(room, max_additional)
          updateLedger(ctx, controller, { ...ledger, total: ledger.total + extra, active: ledger.active + extra })
          ctx.deposit(events.Bonded, { stash, amount: extra })
        },
      }),
      unbond: call({
        index: 2,
        args: { value: compactBalance },
        weight: WEIGHTS.unbond,
        docs: ['Schedule a portion of the stash to be unlocked after the bonding duration; a guarantor can only unbond what it has not guaranteed.'],
        dispatch: (ctx, origin, args) => {
          const controller = ensureSigned(origin)
          const ledger = ledgerOf(ctx, controller)
          if (ledger.unlocking.length >= MAX_UNLOCKING_CHUNKS) throw moduleError(err.NoMoreChunks)
          const guaranteed = Guarantors.get(ctx.state, ledger.stash)?.total ?? 0n
          const unbondable = ledger.active > guaranteed ? ledger.active - guaranteed : 0n
          if (unbondable === 0n) throw moduleError(err.AllGuaranteed)
          let value = minBalance(args.value, unbondable)
          if (value === 0n) return
          let active = ledger.active - value
          // Do not leave a dust active balance behind.
          if (active < ctx.config.existentialDeposit) {
            value += active
            active = 0n
          }
          const era = eraOf(ctx) + BONDING_DURATION
          updateLedger(ctx, controller, { ...ledger, active, unlocking: [...ledger.unlocking, { value, era }] })
          ctx.deposit(events.Unbonded, { stash: ledger.stash, amount: value })
        },
      }),
      withdraw_unbonded: call({
        index: 4,
        args: {},
        weight: WEIGHTS.withdrawUnbonded,
        docs: ['Remove any unlocked chunks from the unlocking queue; the stash is removed when nothing is left.'],
        dispatch: (ctx, origin) => {
          const controller = ensureSigned(origin)
          const ledger = ledgerOf(ctx, controller)
          const era = eraOf(ctx)
          // Never unlock below what other locks keep frozen (Crust's consolidate_unlocked with frozen_balance).
          const kept = consolidateUnlocked(ledger, era, otherLocksFrozen(ctx.state, ledger.stash, STAKING_ID))
          if (kept.unlocking.length === 0 && kept.active === 0n) killStash(ctx, ledger.stash, controller)
          else updateLedger(ctx, controller, kept)
          if (ledger.total > kept.total) ctx.deposit(events.Withdrawn, { stash: ledger.stash, amount: ledger.total - kept.total })
        },
      }),
      validate: call({
        index: 5,
        args: { prefs: validatorPrefs },
        weight: WEIGHTS.validate,
        docs: ['Declare the desire to validate for the origin controller, with the share of rewards given to guarantors.'],
        dispatch: (ctx, origin, { prefs }) => {
          const controller = ensureSigned(origin)
          const { stash } = ledgerOf(ctx, controller)
          const fee = Math.min(prefs.guarantee_fee, PERBILL_ONE_PARTS)
          removeGuarantor(ctx.state, stash)
          // Lowering the fee within an era is not honoured for that era: its recorded fee becomes 100 %.
          const active = ActiveEra.get(ctx.state)
          if (active !== undefined && ErasValidatorPrefs.contains(ctx.state, active.index, stash)) {
            if (fee < ErasValidatorPrefs.get(ctx.state, active.index, stash).guarantee_fee) {
              ErasValidatorPrefs.insert(ctx.state, active.index, stash, { guarantee_fee: PERBILL_ONE_PARTS })
            }
          }
          insertValidator(ctx.state, stash, { guarantee_fee: fee })
          ctx.deposit(events.ValidateSuccess, { controller, prefs: { guarantee_fee: fee } })
        },
      }),
      guarantee: call({
        index: 6,
        args: { target_tuple: target },
        weight: WEIGHTS.guarantee,
        docs: ['Guarantee a validator with some of the active bond: (validator stash, votes). At most 16 validators.'],
        dispatch: (ctx, origin, { target_tuple }) => {
          const controller = ensureSigned(origin)
          const ledger = ledgerOf(ctx, controller)
          const gStash = ledger.stash
          const vStash = lookupAddress(target_tuple[0])
          const votes = target_tuple[1]
          if (!Validators.contains(ctx.state, vStash)) throw moduleError(err.InvalidTarget)
          ensureVotes(ctx, votes)
          const current = eraOf(ctx)
          const old: Guarantee = Guarantors.get(ctx.state, gStash) ?? { targets: [], total: 0n, submitted_in: current, suppressed: false }
          const free = ledger.active > old.total ? ledger.active - old.total : 0n
          const real = minBalance(votes, free)
          const existing = old.targets.findIndex((t) => sameAccount(t.who, vStash))
          if (real === 0n || (existing < 0 && old.targets.length >= MAX_GUARANTEE)) throw moduleError(err.ExceedGuaranteeLimit)
          const targets = old.targets.map((t, i) => (i === existing ? { who: t.who, value: t.value + real } : t))
          if (existing < 0) targets.push({ who: vStash, value: real })
          insertGuarantor(ctx.state, gStash, { targets, total: old.total + real, submitted_in: current, suppressed: false })
          removeValidator(ctx.state, gStash)
          // The requested votes, as Crust's event (cstrml/staking/src/lib.rs:1181).
          ctx.deposit(events.GuaranteeSuccess, { controller, validator: vStash, votes })
        },
      }),
      cut_guarantee: call({
        index: 7,
        args: { target_tuple: target },
        weight: WEIGHTS.cutGuarantee,
        docs: ['Cut (part of) a guarantee: (validator stash, votes).'],
        dispatch: (ctx, origin, { target_tuple }) => {
          const controller = ensureSigned(origin)
          const { stash } = ledgerOf(ctx, controller)
          const vStash = lookupAddress(target_tuple[0])
          ensureVotes(ctx, target_tuple[1])
          const old = Guarantors.get(ctx.state, stash)
          const at = old?.targets.findIndex((t) => sameAccount(t.who, vStash)) ?? -1
          if (old === undefined || at < 0) throw moduleError(err.InvalidTarget)
          const edge = old.targets[at]!
          const cut = minBalance(target_tuple[1], edge.value)
          const targets = old.targets.flatMap((t, i) => (i !== at ? [t] : t.value > cut ? [{ who: t.who, value: t.value - cut }] : []))
          // Crust's decrease_guarantee (cstrml/staking/src/lib.rs:1707-1755, 1218-1221): the guarantee is kept even
          // when emptied, with its submitted_in and suppressed unchanged; the event carries the requested votes.
          insertGuarantor(ctx.state, stash, { ...old, targets, total: old.total - cut })
          ctx.deposit(events.CutGuaranteeSuccess, { controller, validator: vStash, votes: target_tuple[1] })
        },
      }),
      chill: call({
        index: 8,
        args: {},
        weight: WEIGHTS.chill,
        docs: ['Declare no desire to either validate or guarantee.'],
        dispatch: (ctx, origin) => {
          const controller = ensureSigned(origin)
          const { stash } = ledgerOf(ctx, controller)
          chillStash(ctx.state, stash)
          ctx.deposit(events.ChillSuccess, { controller, stash })
        },
      }),
      set_controller: call({
        index: 9,
        args: { controller: controllerArg },
        weight: WEIGHTS.setController,
        docs: ['(Re-)set the controller of a stash.'],
        dispatch: (ctx, origin, args) => {
          const stash = ensureSigned(origin)
          const old = Bonded.get(ctx.state, stash)
          if (old === undefined) throw moduleError(err.NotStash)
          const controller = lookupAddress(args.controller)
          if (Ledger.contains(ctx.state, controller)) throw moduleError(err.AlreadyPaired)
          if (sameAccount(old, controller)) return
          const ledger = Ledger.get(ctx.state, old)
          Bonded.insert(ctx.state, stash, controller)
          if (ledger !== undefined) {
            Ledger.remove(ctx.state, old)
            Ledger.insert(ctx.state, controller, ledger)
          }
        },
      }),
      set_validator_count: call({
        index: 11,
        args: { new: named(compactU32, 'u32') },
        weight: WEIGHTS.root,
        docs: ['The ideal number of validators.'],
        dispatch: (ctx, origin, args) => {
          ensureRoot(origin)
          ValidatorCount.put(ctx.state, args.new)
        },
      }),
      increase_validator_count: call({
        index: 12,
        args: { additional: named(compactU32, 'u32') },
        weight: dbWeight(2_000_000n, 1n, 1n),
        docs: ['Increments the ideal number of validators.'],
        dispatch: (ctx, origin, { additional }) => {
          ensureRoot(origin)
          ValidatorCount.put(ctx.state, ValidatorCount.get(ctx.state) + additional)
        },
      }),
      force_no_eras: call({
        index: 13,
        args: {},
        weight: WEIGHTS.root,
        docs: ['Force there to be no new eras indefinitely.'],
        dispatch: (ctx, origin) => {
          ensureRoot(origin)
          ForceEra.put(ctx.state, { tag: 'ForceNone', value: undefined })
        },
      }),
      force_new_era: call({
        index: 14,
        args: {},
        weight: WEIGHTS.root,
        docs: ['Force a new era: planned (with its election) at the next session start, active from the session after.'],
        dispatch: (ctx, origin) => {
          ensureRoot(origin)
          ForceEra.put(ctx.state, { tag: 'ForceNew', value: undefined })
        },
      }),
      set_invulnerables: call({
        index: 15,
        args: { validators: vec(named(accountId32, 'T::AccountId')) },
        weight: (args) => WEIGHTS.setInvulnerables(args.validators.length),
        docs: ['Set the validators who cannot be slashed (if any).'],
        dispatch: (ctx, origin, { validators }) => {
          ensureRoot(origin)
          Invulnerables.put(ctx.state, validators)
          // While nobody is elected the invulnerables author blocks from the next block on: they join
          // the era's recorded authorities (offence evidence is checked against them).
          const active = ActiveEra.get(ctx.state)?.index
          if (CurrentElected.get(ctx.state).length === 0 && active !== undefined) {
            // The active era's and the planned one's (planned a session ahead).
            for (let era = active; era <= (CurrentEra.get(ctx.state) ?? active); era++) {
              const known = ErasAuthorities.get(ctx.state, era)
              ErasAuthorities.insert(ctx.state, era, [...known, ...validators.filter((v) => !known.some((k) => sameAccount(k, v)))])
            }
          }
        },
      }),
      force_unstake: call({
        index: 16,
        args: { stash: named(accountId32, 'T::AccountId') },
        weight: dbWeight(53_000_000n, 4n, 7n),
        docs: ['Force a current staker to become completely unstaked, immediately.'],
        dispatch: (ctx, origin, { stash }) => {
          ensureRoot(origin)
          unlockStash(ctx, stash)
          killBondedStash(ctx, stash)
        },
      }),
      force_new_era_always: call({
        index: 17,
        args: {},
        weight: WEIGHTS.root,
        docs: ['Force there to be a new era at the end of sessions indefinitely.'],
        dispatch: (ctx, origin) => {
          ensureRoot(origin)
          ForceEra.put(ctx.state, { tag: 'ForceAlways', value: undefined })
        },
      }),
      cancel_deferred_slash: call({
        index: 18,
        args: { era: named(u32, 'EraIndex'), slash_indices: vec(named(u32, 'u32')) },
        weight: (args) => dbWeight(5_870_000_000n + 35_000_000n * BigInt(args.slash_indices.length), 1n, 1n),
        docs: ['Cancel enactment of a deferred slash (root): `era` the slashes were queued in, and the indices of those to drop.'],
        dispatch: (ctx, origin, { era, slash_indices }) => {
          ensureRoot(origin)
          const sorted = [...slash_indices].sort((a, b) => a - b)
          const unapplied = [...UnappliedSlashes.get(ctx.state, era)]
          sorted.forEach((index, removed) => {
            // Sorted, so a duplicate shows as an index below the number already removed.
            if (removed > index) throw moduleError(err.DuplicateIndex)
            if (index - removed >= unapplied.length) throw moduleError(err.InvalidSlashIndex)
            unapplied.splice(index - removed, 1)
          })
          UnappliedSlashes.insert(ctx.state, era, unapplied)
        },
      }),
      reward_stakers: call({
        index: 10,
        args: { validator_stash: named(accountId32, 'T::AccountId'), era: named(u32, 'EraIndex') },
        weight: WEIGHTS.rewardStakers,
        docs: ['Pay out the validator `validator_stash` and its guarantors for `era` (anyone may call; once per era).'],
        dispatch: (ctx, origin, { validator_stash, era }) => {
          ensureSigned(origin)
          rewardStakers(ctx, validator_stash, era)
        },
      }),
      reap_stash: call({
        index: 19,
        args: { stash: named(accountId32, 'T::AccountId') },
        weight: dbWeight(76_000_000n, 4n, 7n),
        docs: ['Remove all data structure concerning a staker/stash once its balance is at the minimum (any origin).'],
        dispatch: (ctx, _origin, { stash }) => {
          const info = Account.get(ctx.state, stash)
          if (info.data.free + info.data.reserved !== ctx.config.existentialDeposit) throw moduleError(err.FundedTarget)
          killBondedStash(ctx, stash)
        },
      }),
      set_start_reward_era: call({
        index: 20,
        args: { start_reward_era: named(u32, 'EraIndex') },
        weight: 1000n,
        docs: ['Set the era GPoS inflation starts at (root).'],
        dispatch: (ctx, origin, { start_reward_era }) => {
          ensureRoot(origin)
          StartRewardEra.put(ctx.state, start_reward_era)
        },
      }),
      cancel_era_reward: call({
        index: 21,
        args: { era_index: named(u32, 'EraIndex') },
        weight: 1000n,
        docs: ["Remove an era's staking payout (root): the era can no longer be claimed with `reward_stakers`."],
        dispatch: (ctx, origin, { era_index }) => {
          ensureRoot(origin)
          ErasStakingPayout.remove(ctx.state, era_index)
        },
      }),
      set_validators_whitelist: call({
        index: 22,
        args: { new_validators: vec(named(accountId32, 'T::AccountId')) },
        weight: 1000n,
        docs: ['Set the candidates that may be elected while ForceSelection is on (root).'],
        dispatch: (ctx, origin, { new_validators }) => {
          ensureRoot(origin)
          ValidatorsWhitelist.put(ctx.state, new_validators)
        },
      }),
      force_validators_whitelist: call({
        index: 23,
        args: { enable: named(bool, 'bool') },
        weight: 1000n,
        docs: ['Turn ForceSelection on or off (root): with it on, only whitelisted candidates are elected.'],
        dispatch: (ctx, origin, { enable }) => {
          ensureRoot(origin)
          ForceSelection.put(ctx.state, enable)
        },
      }),
      report_equivocation: call({
        index: 24,
        args: { offender: named(accountId32, 'T::AccountId'), kind: named(u8, 'u8'), first: bytes, second: bytes },
        weight: dbWeight(150_000_000n, 12n, 8n),
        docs: [
          'Not in Crust: prove that `offender` equivocated (kind 0: `first`/`second` are two sealed headers of one Aura slot, children of blocks of this chain; kind 1: two signed finality votes of one round) and report the offence (Offences pallet), which slashes it.',
        ],
        dispatch: (ctx, origin, args) => {
          const reporter = ensureSigned(origin)
          reportEquivocation(ctx, reporter, args)
        },
      }),
      rebond: call({
        index: 3,
        args: { value: compactBalance },
        // Declared for a full unlocking queue (Crust's `rebond(MAX_UNLOCKING_CHUNKS as u32)`).
        weight: WEIGHTS.rebond(BigInt(MAX_UNLOCKING_CHUNKS)),
        docs: ['Rebond a portion of the stash scheduled to be unlocked.'],
        dispatch: (ctx, origin, args) => {
          const controller = ensureSigned(origin)
          const ledger = ledgerOf(ctx, controller)
          if (ledger.unlocking.length === 0) throw moduleError(err.NoUnlockChunk)
          const [next, moved] = rebondLedger(ledger, args.value)
          if (next.active < ctx.config.existentialDeposit) throw moduleError(err.InsufficientValue)
          updateLedger(ctx, controller, next)
          ctx.deposit(events.Bonded, { stash: ledger.stash, amount: moved })
          return { actualWeight: WEIGHTS.rebondUsed(next.unlocking.length) }
        },
      }),
    },
  })
}
