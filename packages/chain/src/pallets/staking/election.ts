/**
 * The era election (Crust's `select_and_update_validators`): each candidate with a stake limit gets
 * an exposure capped by that limit (ratio = min(1, limit / (own + guarantees)) applied to its own
 * bond and to each guarantee); the top ValidatorCount by capped total are elected (only whitelisted
 * ones while ForceSelection is on).
 */
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import { perbillFromRational, perbillMul } from '../../primitives/perbill.js'
import { MAX_GUARANTOR_REWARDED_PER_VALIDATOR } from './constants.js'
import {
  ActiveEra,
  Bonded,
  CurrentElected,
  ErasAuthoringPayout,
  ErasExposed,
  ErasRewardPoints,
  ErasStakingPayout,
  ErasStakers,
  ErasStakersClipped,
  ErasTotalStakes,
  ErasValidatorPrefs,
  ForceSelection,
  Guarantors,
  GuarantorsList,
  Invulnerables,
  Ledger,
  MinimumValidatorCount,
  StakeLimit,
  ValidatorCount,
  Validators,
  ValidatorsList,
  ValidatorsWhitelist,
} from './storage.js'
import type { Exposure, IndividualExposure } from './types.js'

const hex = (a: Uint8Array) => Buffer.from(a).toString('hex')

/** A validator's own active bond (0 when it is not bonded). */
export function activeBond(state: StorageReader, stash: Uint8Array): bigint {
  const controller = Bonded.get(state, stash)
  return controller === undefined ? 0n : (Ledger.get(state, controller)?.active ?? 0n)
}

/** The capped exposure of one candidate, from its own bond, its guarantees and its stake limit. */
export function cappedExposure(own: bigint, guarantees: IndividualExposure[], limit: bigint): Exposure {
  const total = guarantees.reduce((sum, g) => sum + g.value, own)
  const ratio = total === 0n || limit >= total ? 1_000_000_000n : perbillFromRational(limit, total)
  const cappedOwn = perbillMul(ratio, own)
  const others = guarantees.map((g) => ({ who: g.who, value: perbillMul(ratio, g.value) }))
  return { own: cappedOwn, others, total: others.reduce((sum, g) => sum + g.value, cappedOwn) }
}

/** The top guarantors by value (ties keep their order). */
function clip(exposure: Exposure): Exposure {
  const others = [...exposure.others].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0)).slice(0, MAX_GUARANTOR_REWARDED_PER_VALIDATOR)
  return { ...exposure, others }
}

/**
 * Runs the election for `era`. Writes exposures for every candidate with a stake limit (elected or
 * not), the era's total stake over all of them and `CurrentElected`; returns the elected stashes,
 * or undefined, writing nothing (the old set is kept), when there are fewer candidates, or fewer
 * candidates with a stake limit, than the minimum.
 */
export function selectAndUpdateValidators(state: StorageAccess, era: number): Uint8Array[] | undefined {
  const candidates = ValidatorsList.all(state)
  const minimum = Math.max(MinimumValidatorCount.get(state), 1)
  if (candidates.length < minimum) return undefined
  const edges = new Map<string, IndividualExposure[]>()
  for (const guarantor of GuarantorsList.all(state)) {
    for (const target of Guarantors.get(state, guarantor)?.targets ?? []) {
      const key = hex(target.who)
      const list = edges.get(key) ?? []
      list.push({ who: guarantor, value: target.value })
      edges.set(key, list)
    }
  }
  const staked: Array<{ stash: Uint8Array; total: bigint; exposure: Exposure }> = []
  for (const stash of candidates) {
    const limit = StakeLimit.get(state, stash) ?? 0n
    if (limit === 0n) continue
    const exposure = cappedExposure(activeBond(state, stash), edges.get(hex(stash)) ?? [], limit)
    staked.push({ stash, total: exposure.total, exposure })
  }
  // With ForceSelection only whitelisted candidates can be elected (they all keep their exposures).
  const whitelist = ForceSelection.get(state) ? new Set(ValidatorsWhitelist.get(state).map(hex)) : undefined
  const electable = whitelist === undefined ? staked : staked.filter((s) => whitelist.has(hex(s.stash)))
  const toElect = Math.min(ValidatorCount.get(state), electable.length)
  if (toElect < minimum) return undefined
  let eraTotal = 0n
  for (const { stash, exposure } of staked) {
    ErasStakers.insert(state, era, stash, exposure)
    ErasStakersClipped.insert(state, era, stash, clip(exposure))
    ErasValidatorPrefs.insert(state, era, stash, Validators.get(state, stash))
    eraTotal += exposure.total
  }
  ErasTotalStakes.insert(state, era, eraTotal)
  ErasExposed.insert(
    state,
    era,
    staked.map((s) => s.stash),
  )
  const elected = electable
    .map((s, i) => ({ ...s, i }))
    .sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : a.i - b.i))
    .slice(0, toElect)
    .map((s) => s.stash)
  CurrentElected.put(state, elected)
  return elected
}

/** Removes an era's exposures, prefs and total stake (Substrate's `clear_era_information`). */
export function clearEraInformation(state: StorageAccess, era: number): void {
  for (const stash of ErasExposed.get(state, era)) {
    ErasStakers.remove(state, era, stash)
    ErasStakersClipped.remove(state, era, stash)
    ErasValidatorPrefs.remove(state, era, stash)
  }
  ErasExposed.remove(state, era)
  ErasTotalStakes.remove(state, era)
  for (const [who] of ErasRewardPoints.get(state, era).individual) ErasAuthoringPayout.remove(state, era, who)
  ErasRewardPoints.remove(state, era)
  ErasStakingPayout.remove(state, era)
}

/**
 * The validator set consensus reads, with each validator's weight: the elected set with its capped
 * stake in the active era once an election has had candidates with proven storage, else the
 * genesis (invulnerable) validators with equal weight 1.
 */
export function electedValidators(state: StorageReader): Array<{ stash: Uint8Array; weight: bigint }> {
  const elected = CurrentElected.get(state)
  const era = ActiveEra.get(state)?.index
  if (elected.length === 0 || era === undefined) return Invulnerables.get(state).map((stash) => ({ stash, weight: 1n }))
  return elected.map((stash) => ({ stash, weight: ErasStakers.get(state, era, stash).total }))
}
