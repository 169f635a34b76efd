/**
 * Staking's storage items (prefix `Staking`) with Crust's names, hashers and value types, plus two
 * lists our runtime keeps in place of Crust's map iteration (`ValidatorsList`, `GuarantorsList`).
 */
import { bool, named, tuple, u32, vec } from '../../primitives/codec/scale-type.js'
import { perbill } from '../benefits/types.js'
import {
  doubleMapWithDefault,
  optionalDoubleMap,
  mapWithDefault,
  optionalMap,
  optionalValue,
  type StorageAccess,
  type StorageItem,
  type StorageMap,
  type StorageReader,
  type StorageValue,
  valueWithDefault,
} from '../../frame/storage.js'
import { DEFAULT_START_REWARD_ERA, HISTORY_DEPTH, MINIMUM_VALIDATOR_COUNT } from './constants.js'
import {
  account,
  activeEraInfo,
  balance,
  eraIndex,
  type EraRewardPoints,
  eraRewardPoints,
  exposure,
  forcing,
  guarantee,
  PERBILL_ONE_PARTS,
  rewardDestination,
  slashingSpans,
  spanRecord,
  stakingLedger,
  unappliedSlash,
  type UnappliedSlash,
  validatorPrefs,
} from './types.js'

const PALLET = 'Staking'
const accounts = vec(account)
const emptyExposure = { total: 0n, own: 0n, others: [] as Array<{ who: Uint8Array; value: bigint }> }

export const HistoryDepth = valueWithDefault({
  pallet: PALLET,
  name: 'HistoryDepth',
  value: named(u32, 'u32'),
  default: HISTORY_DEPTH,
  docs: ['Number of eras to keep in history.'],
})
export const ValidatorCount = valueWithDefault({
  pallet: PALLET,
  name: 'ValidatorCount',
  value: named(u32, 'u32'),
  default: 0,
  docs: ['The ideal number of staking participants.'],
})
export const MinimumValidatorCount = valueWithDefault({
  pallet: PALLET,
  name: 'MinimumValidatorCount',
  value: named(u32, 'u32'),
  default: MINIMUM_VALIDATOR_COUNT,
  docs: ['Minimum number of staking participants before emergency conditions are imposed.'],
})
export const Invulnerables = valueWithDefault({
  pallet: PALLET,
  name: 'Invulnerables',
  value: accounts,
  default: [] as Uint8Array[],
  docs: ['Validators that are never slashed; our genesis validators.'],
})
export const Bonded = optionalMap({
  pallet: PALLET,
  name: 'Bonded',
  hasher: 'Twox64Concat',
  key: account,
  value: account,
  docs: ['Map from all locked "stash" accounts to the controller account.'],
})
export const Ledger = optionalMap({
  pallet: PALLET,
  name: 'Ledger',
  hasher: 'Blake2_128Concat',
  key: account,
  value: stakingLedger,
  docs: ['Map from all (unlocked) "controller" accounts to the info regarding the staking.'],
})
export const Payee = mapWithDefault({
  pallet: PALLET,
  name: 'Payee',
  hasher: 'Twox64Concat',
  key: account,
  value: rewardDestination,
  default: { tag: 'Staked' as const, value: undefined },
  docs: ['Where the reward payment should be made. Keyed by stash.'],
})
export const Validators = mapWithDefault({
  pallet: PALLET,
  name: 'Validators',
  hasher: 'Twox64Concat',
  key: account,
  value: validatorPrefs,
  default: { guarantee_fee: PERBILL_ONE_PARTS },
  docs: ['The map from (wannabe) validator stash key to the preferences of that validator.'],
})
export const Guarantors = optionalMap({
  pallet: PALLET,
  name: 'Guarantors',
  hasher: 'Twox64Concat',
  key: account,
  value: guarantee,
  docs: ['The map from guarantor stash key to the set of stash keys of all validators to guarantee.'],
})
export const StakeLimit = optionalMap({
  pallet: PALLET,
  name: 'StakeLimit',
  hasher: 'Twox64Concat',
  key: account,
  value: balance,
  docs: ['The stake limit, determined all by the workload reports.'],
})
export const CurrentElected = valueWithDefault({
  pallet: PALLET,
  name: 'CurrentElected',
  value: accounts,
  default: [] as Uint8Array[],
  docs: ['The currently elected validator set keyed by stash account ID.'],
})
export const CurrentEra = optionalValue({ pallet: PALLET, name: 'CurrentEra', value: eraIndex, docs: ['The current era index: the era being planned.'] })
export const ActiveEra = optionalValue({
  pallet: PALLET,
  name: 'ActiveEra',
  value: activeEraInfo,
  docs: ['The active era information: its index and start time (ms).'],
})
const byEra = { pallet: PALLET, hashers: ['Twox64Concat', 'Twox64Concat'] as const, key1: eraIndex, key2: account }
export const ErasStakers = doubleMapWithDefault({
  ...byEra,
  name: 'ErasStakers',
  value: exposure,
  default: emptyExposure,
  docs: ['Exposure of validator at era (own stake and guarantors, capped by the stake limit).'],
})
export const ErasStakersClipped = doubleMapWithDefault({
  ...byEra,
  name: 'ErasStakersClipped',
  value: exposure,
  default: emptyExposure,
  docs: ['Clipped exposure of validator at era: only the top guarantors by value.'],
})
export const ErasValidatorPrefs = doubleMapWithDefault({
  ...byEra,
  name: 'ErasValidatorPrefs',
  value: validatorPrefs,
  default: { guarantee_fee: PERBILL_ONE_PARTS },
  docs: ['Similar to `ErasStakers`, this holds the preferences of validators.'],
})
export const ErasTotalStakes = mapWithDefault({
  pallet: PALLET,
  name: 'ErasTotalStakes',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: balance,
  default: 0n,
  docs: ['The total amount staked for the last `HISTORY_DEPTH` eras.'],
})
/** Not Crust's: the stashes with exposures in an era, so the era's entries can be cleared after HistoryDepth (Crust iterates prefixes). */
export const ErasExposed = mapWithDefault({
  pallet: PALLET,
  name: 'ErasExposed',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: accounts,
  default: [] as Uint8Array[],
  docs: ['Not in Crust: the stashes that have an exposure in an era.'],
})
export const ForceEra = valueWithDefault({
  pallet: PALLET,
  name: 'ForceEra',
  value: forcing,
  default: { tag: 'NotForcing' as const, value: undefined },
  docs: ['True if the next session change will be a new era regardless of index.'],
})
export const StartRewardEra = valueWithDefault({
  pallet: PALLET,
  name: 'StartRewardEra',
  value: eraIndex,
  default: DEFAULT_START_REWARD_ERA,
  docs: ['The era from which GPoS inflation starts.'],
})
export const ErasStakingPayout = optionalMap({
  pallet: PALLET,
  name: 'ErasStakingPayout',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: balance,
  docs: ['The staking (stake-weighted) payout of each era; its presence makes the era claimable.'],
})
export const ErasMarketPayout = optionalMap({
  pallet: PALLET,
  name: 'ErasMarketPayout',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: balance,
  docs: ["Market's staking pot released into each era's rewards."],
})
export const ErasAuthoringPayout = optionalDoubleMap({
  ...byEra,
  name: 'ErasAuthoringPayout',
  value: balance,
  docs: ['Authoring payout of each validator at an era.'],
})
export const ErasRewardPoints = mapWithDefault({
  pallet: PALLET,
  name: 'ErasRewardPoints',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: eraRewardPoints,
  default: { total: 0, individual: [] } as EraRewardPoints,
  docs: ['Rewards points of validators (authoring) at each era.'],
})
export const ErasStartSessionIndex = optionalMap({
  pallet: PALLET,
  name: 'ErasStartSessionIndex',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: named(u32, 'SessionIndex'),
  docs: ['The session index at which the era start for the last `HISTORY_DEPTH` eras.'],
})
export const SlashRewardFraction = valueWithDefault({
  pallet: PALLET,
  name: 'SlashRewardFraction',
  value: perbill,
  default: 0,
  docs: ['The percentage of the slash that is distributed to reporters.', '', 'The rest of the slashed value is handled by the `Slash` (the treasury).'],
})
export const CanceledSlashPayout = valueWithDefault({
  pallet: PALLET,
  name: 'CanceledSlashPayout',
  value: balance,
  default: 0n,
  docs: ['The amount of currency given to reporters of a slash event which was canceled by extraordinary circumstances (e.g. governance).'],
})
export const UnappliedSlashes = mapWithDefault({
  pallet: PALLET,
  name: 'UnappliedSlashes',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: vec(unappliedSlash),
  default: [] as UnappliedSlash[],
  docs: ['All unapplied slashes that are queued for later.'],
})
export const BondedEras = valueWithDefault({
  pallet: PALLET,
  name: 'BondedEras',
  value: vec(tuple(eraIndex, named(u32, 'SessionIndex'))),
  default: [] as Array<[number, number]>,
  docs: ['A mapping from still-bonded eras to the first session index of that era.'],
})
export const ValidatorSlashInEra = optionalDoubleMap({
  ...byEra,
  name: 'ValidatorSlashInEra',
  value: tuple(perbill, balance),
  docs: ['All slashing events on validators, mapped by era to the highest slash proportion and slash value of the era.'],
})
export const GuarantorSlashInEra = optionalDoubleMap({
  ...byEra,
  name: 'GuarantorSlashInEra',
  value: balance,
  docs: ['All slashing events on guarantors, mapped by era to the highest slash value of the era.'],
})
/** Not Crust's: the stashes with a Validator/GuarantorSlashInEra entry in an era, so they can be cleared (Crust removes the prefix). */
export const ErasSlashed = mapWithDefault({
  pallet: PALLET,
  name: 'ErasSlashed',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: accounts,
  default: [] as Uint8Array[],
  docs: ['Not in Crust: the stashes with slashing records in an era.'],
})
export const SlashingSpans = optionalMap({
  pallet: PALLET,
  name: 'SlashingSpans',
  hasher: 'Twox64Concat',
  key: account,
  value: slashingSpans,
  docs: ['Slashing spans for stash accounts.'],
})
export const SpanSlash = mapWithDefault({
  pallet: PALLET,
  name: 'SpanSlash',
  hasher: 'Twox64Concat',
  key: tuple(account, named(u32, 'SpanIndex')),
  value: spanRecord,
  default: { slashed: 0n, paid_out: 0n },
  docs: ['Records information about the maximum slash of a stash within a slashing span, as well as how much reward has been paid out.'],
})
export const ValidatorsWhitelist = valueWithDefault({
  pallet: PALLET,
  name: 'ValidatorsWhitelist',
  value: accounts,
  default: [] as Uint8Array[],
  docs: ['Whitelist candidates to be validators'],
})
export const ForceSelection = valueWithDefault({
  pallet: PALLET,
  name: 'ForceSelection',
  value: named(bool, 'bool'),
  default: false,
  docs: ['Force Selection'],
})
/**
 * Not in Crust: the authority set (block authors and finality voters) of each era in the bonding
 * window, so that offence evidence is checked against the set of the era it happened in (Substrate
 * keeps a root of each session's set in pallet_session::historical for the same purpose).
 */
export const ErasAuthorities = mapWithDefault({
  pallet: PALLET,
  name: 'ErasAuthorities',
  hasher: 'Twox64Concat',
  key: eraIndex,
  value: accounts,
  default: [] as Uint8Array[],
  docs: [
    'Not in Crust: the authorities (block authors, finality voters) of an era, as the era started (plus any invulnerables root set while',
    'nobody was elected), kept while the era is in the bonding window; offence evidence is checked against them.',
  ],
})
export const EarliestUnappliedSlash = optionalValue({
  pallet: PALLET,
  name: 'EarliestUnappliedSlash',
  value: eraIndex,
  docs: ['The earliest era for which we have a pending, unapplied slash.'],
})

/**
 * Not Crust's: a set of accounts kept as count + position ↔ account maps (swap-remove), because our
 * storage cannot iterate a map; inserting and removing are O(1) whatever the set's size.
 */
export class AccountSet {
  readonly count: StorageValue<number, number>
  readonly at: StorageMap<number, Uint8Array, Uint8Array | undefined>
  readonly position: StorageMap<Uint8Array, number, number | undefined>

  constructor(name: string, doc: string) {
    this.count = valueWithDefault({ pallet: PALLET, name: `${name}Count`, value: named(u32, 'u32'), default: 0, docs: [doc] })
    this.at = optionalMap({ pallet: PALLET, name: `${name}At`, hasher: 'Twox64Concat', key: named(u32, 'u32'), value: account, docs: [doc] })
    this.position = optionalMap({ pallet: PALLET, name: `${name}Position`, hasher: 'Twox64Concat', key: account, value: named(u32, 'u32'), docs: [doc] })
  }

  get items(): StorageItem[] {
    return [this.count, this.at, this.position]
  }

  add(state: StorageAccess, who: Uint8Array): void {
    if (this.position.contains(state, who)) return
    const n = this.count.get(state)
    this.at.insert(state, n, who)
    this.position.insert(state, who, n)
    this.count.put(state, n + 1)
  }

  remove(state: StorageAccess, who: Uint8Array): void {
    const i = this.position.get(state, who)
    if (i === undefined) return
    const last = this.count.get(state) - 1
    if (i !== last) {
      const moved = this.at.get(state, last)!
      this.at.insert(state, i, moved)
      this.position.insert(state, moved, i)
    }
    this.at.remove(state, last)
    this.position.remove(state, who)
    this.count.put(state, last)
  }

  /** Every member; the order changes when members are removed. */
  all(state: StorageReader): Uint8Array[] {
    const n = this.count.get(state)
    const out: Uint8Array[] = []
    for (let i = 0; i < n; i++) out.push(this.at.get(state, i)!)
    return out
  }
}

/** Every stash in `Validators` (what the election and stake-limit updates walk). */
export const ValidatorsList = new AccountSet('ValidatorsList', 'Not in Crust: the validator candidate stashes, for iteration.')
/** Every stash in `Guarantors`. */
export const GuarantorsList = new AccountSet('GuarantorsList', 'Not in Crust: the guarantor stashes, for iteration.')

export const sameAccount = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

export function isValidator(state: StorageReader, stash: Uint8Array): boolean {
  return Validators.contains(state, stash)
}

export function insertValidator(state: StorageAccess, stash: Uint8Array, prefs: { guarantee_fee: number }): void {
  Validators.insert(state, stash, prefs)
  ValidatorsList.add(state, stash)
}

export function removeValidator(state: StorageAccess, stash: Uint8Array): void {
  if (!Validators.contains(state, stash)) return
  Validators.remove(state, stash)
  ValidatorsList.remove(state, stash)
}

export function insertGuarantor(state: StorageAccess, stash: Uint8Array, g: Parameters<typeof Guarantors.insert>[2]): void {
  Guarantors.insert(state, stash, g)
  GuarantorsList.add(state, stash)
}

export function removeGuarantor(state: StorageAccess, stash: Uint8Array): void {
  if (!Guarantors.contains(state, stash)) return
  Guarantors.remove(state, stash)
  GuarantorsList.remove(state, stash)
}

export const STORAGE = [
  HistoryDepth,
  ValidatorCount,
  MinimumValidatorCount,
  Invulnerables,
  Bonded,
  Ledger,
  Payee,
  Validators,
  Guarantors,
  StakeLimit,
  ErasStakers,
  ErasStakersClipped,
  ErasValidatorPrefs,
  ErasTotalStakes,
  ErasExposed,
  CurrentElected,
  CurrentEra,
  ActiveEra,
  ForceEra,
  StartRewardEra,
  ErasStakingPayout,
  ErasMarketPayout,
  ErasAuthoringPayout,
  ErasRewardPoints,
  ErasStartSessionIndex,
  SlashRewardFraction,
  CanceledSlashPayout,
  UnappliedSlashes,
  BondedEras,
  ValidatorSlashInEra,
  GuarantorSlashInEra,
  ErasSlashed,
  SlashingSpans,
  SpanSlash,
  EarliestUnappliedSlash,
  ErasAuthorities,
  ValidatorsWhitelist,
  ForceSelection,
  ...ValidatorsList.items,
  ...GuarantorsList.items,
]
