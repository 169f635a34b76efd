/**
 * Staking's storage items (prefix `Staking`) with Crust's names, hashers and value types, plus two
 * lists our runtime keeps in place of Crust's map iteration (`ValidatorsList`, `GuarantorsList`).
 */
import { named, u32, vec } from '../../runtime/codec/scale-type.js'
import {
  doubleMapWithDefault,
  mapWithDefault,
  optionalMap,
  optionalValue,
  type StorageAccess,
  type StorageReader,
  valueWithDefault,
} from '../../runtime/storage.js'
import { HISTORY_DEPTH, MINIMUM_VALIDATOR_COUNT } from './constants.js'
import {
  account,
  activeEraInfo,
  balance,
  eraIndex,
  exposure,
  forcing,
  guarantee,
  PERBILL_ONE_PARTS,
  rewardDestination,
  stakingLedger,
  validatorPrefs,
} from './types.js'

const PALLET = 'Staking'
const accounts = vec(account)
const emptyExposure = { total: 0n, own: 0n, others: [] as Array<{ who: Uint8Array; value: bigint }> }

export const HistoryDepth = valueWithDefault({ pallet: PALLET, name: 'HistoryDepth', value: named(u32, 'u32'), default: HISTORY_DEPTH, docs: ['Number of eras to keep in history.'] })
export const ValidatorCount = valueWithDefault({ pallet: PALLET, name: 'ValidatorCount', value: named(u32, 'u32'), default: 0, docs: ['The ideal number of staking participants.'] })
export const MinimumValidatorCount = valueWithDefault({
  pallet: PALLET,
  name: 'MinimumValidatorCount',
  value: named(u32, 'u32'),
  default: MINIMUM_VALIDATOR_COUNT,
  docs: ['Minimum number of staking participants before emergency conditions are imposed.'],
})
export const Invulnerables = valueWithDefault({ pallet: PALLET, name: 'Invulnerables', value: accounts, default: [] as Uint8Array[], docs: ['Validators that are never slashed; our genesis validators.'] })
export const Bonded = optionalMap({ pallet: PALLET, name: 'Bonded', hasher: 'Twox64Concat', key: account, value: account, docs: ['Map from all locked "stash" accounts to the controller account.'] })
export const Ledger = optionalMap({ pallet: PALLET, name: 'Ledger', hasher: 'Blake2_128Concat', key: account, value: stakingLedger, docs: ['Map from all (unlocked) "controller" accounts to the info regarding the staking.'] })
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
export const Guarantors = optionalMap({ pallet: PALLET, name: 'Guarantors', hasher: 'Twox64Concat', key: account, value: guarantee, docs: ['The map from guarantor stash key to the set of stash keys of all validators to guarantee.'] })
export const StakeLimit = optionalMap({ pallet: PALLET, name: 'StakeLimit', hasher: 'Twox64Concat', key: account, value: balance, docs: ['The stake limit, determined all by the workload reports.'] })
export const CurrentElected = valueWithDefault({ pallet: PALLET, name: 'CurrentElected', value: accounts, default: [] as Uint8Array[], docs: ['The currently elected validator set keyed by stash account ID.'] })
export const CurrentEra = optionalValue({ pallet: PALLET, name: 'CurrentEra', value: eraIndex, docs: ['The current era index: the era being planned.'] })
export const ActiveEra = optionalValue({ pallet: PALLET, name: 'ActiveEra', value: activeEraInfo, docs: ['The active era information: its index and start time (ms).'] })
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
export const ErasTotalStakes = mapWithDefault({ pallet: PALLET, name: 'ErasTotalStakes', hasher: 'Twox64Concat', key: eraIndex, value: balance, default: 0n, docs: ['The total amount staked for the last `HISTORY_DEPTH` eras.'] })
export const ForceEra = valueWithDefault({ pallet: PALLET, name: 'ForceEra', value: forcing, default: { tag: 'NotForcing' as const, value: undefined }, docs: ['True if the next session change will be a new era regardless of index.'] })
/** Not Crust's: every stash in `Validators`, in insertion order (our storage cannot iterate a map). */
export const ValidatorsList = valueWithDefault({ pallet: PALLET, name: 'ValidatorsList', value: accounts, default: [] as Uint8Array[], docs: ['Every validator candidate stash (what the election walks).'] })
/** Not Crust's: every stash in `Guarantors`. */
export const GuarantorsList = valueWithDefault({ pallet: PALLET, name: 'GuarantorsList', value: accounts, default: [] as Uint8Array[], docs: ['Every guarantor stash (what the election walks).'] })

export const sameAccount = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

function addTo(list: typeof ValidatorsList, state: StorageAccess, who: Uint8Array): void {
  const all = list.get(state)
  if (!all.some((a) => sameAccount(a, who))) list.put(state, [...all, who])
}

function removeFrom(list: typeof ValidatorsList, state: StorageAccess, who: Uint8Array): void {
  const all = list.get(state)
  const rest = all.filter((a) => !sameAccount(a, who))
  if (rest.length !== all.length) list.put(state, rest)
}

export function isValidator(state: StorageReader, stash: Uint8Array): boolean {
  return Validators.contains(state, stash)
}

export function insertValidator(state: StorageAccess, stash: Uint8Array, prefs: { guarantee_fee: number }): void {
  Validators.insert(state, stash, prefs)
  addTo(ValidatorsList, state, stash)
}

export function removeValidator(state: StorageAccess, stash: Uint8Array): void {
  if (!Validators.contains(state, stash)) return
  Validators.remove(state, stash)
  removeFrom(ValidatorsList, state, stash)
}

export function insertGuarantor(state: StorageAccess, stash: Uint8Array, g: Parameters<typeof Guarantors.insert>[2]): void {
  Guarantors.insert(state, stash, g)
  addTo(GuarantorsList, state, stash)
}

export function removeGuarantor(state: StorageAccess, stash: Uint8Array): void {
  if (!Guarantors.contains(state, stash)) return
  Guarantors.remove(state, stash)
  removeFrom(GuarantorsList, state, stash)
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
  CurrentElected,
  CurrentEra,
  ActiveEra,
  ForceEra,
  ValidatorsList,
  GuarantorsList,
]
