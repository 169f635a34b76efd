/**
 * The era election, as Crust's `select_and_update_validators` and `do_election`
 * (cstrml/staking/src/lib.rs:2161-2317, 2381-2407): every candidate is in the election, in
 * account order; one with a stake limit gets an exposure capped by it (ratio = min(1, limit /
 * (own + guarantees)) applied to its own bond and to each guarantee), one whose limit is 0 stays
 * at stake 0 with no exposure (so with no workload anywhere every candidate is electable); while
 * ForceSelection is on only whitelisted ones remain; the top ValidatorCount by capped total are
 * elected (Crust takes the top 2 × ValidatorCount, whose shuffle is disabled in its HEAD
 * (lib.rs:2397-2399), then the first ValidatorCount of them, i.e. the top ValidatorCount).
 */
import type { StorageAccess, StorageReader } from '../../frame/storage.js'
import { perbillFromRational, perbillMul } from '../../primitives/perbill.js'
import { MAX_GUARANTOR_REWARDED_PER_VALIDATOR } from './constants.js'
import {
  ActiveEra,
  Bonded,
  CurrentElected,
  ErasAuthorities,
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

// A view, not `Buffer.from(a)`: that copies through its slow array-like path (a tenth of the election on 10k guarantors).
export const hex = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')
export const compareAccounts = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b)

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
export function clip(exposure: Exposure): Exposure {
  const others = [...exposure.others].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0)).slice(0, MAX_GUARANTOR_REWARDED_PER_VALIDATOR)
  return { ...exposure, others }
}

/** A candidate's capped total, and whether it has an exposure (a stake limit above 0). */
export interface CandidateStake {
  stash: Uint8Array
  total: bigint
  exposed: boolean
}

/** The candidates that can be elected (only whitelisted ones while ForceSelection is on) and how many to elect; undefined when fewer than the minimum. */
function electable(state: StorageReader, stakes: CandidateStake[]): { electable: CandidateStake[]; toElect: number } | undefined {
  const minimum = Math.max(MinimumValidatorCount.get(state), 1)
  if (stakes.length < minimum) return undefined
  // With ForceSelection only whitelisted candidates can be elected (they all keep their exposures).
  const whitelist = ForceSelection.get(state) ? new Set(ValidatorsWhitelist.get(state).map(hex)) : undefined
  const list = whitelist === undefined ? stakes : stakes.filter((s) => whitelist.has(hex(s.stash)))
  const toElect = Math.min(ValidatorCount.get(state), list.length)
  return toElect < minimum ? undefined : { electable: list, toElect }
}

/**
 * The election's last part, once every candidate's exposure is written: the era's total stake over
 * the exposed candidates, `ErasExposed`, and the top `ValidatorCount` as `CurrentElected`. Returns
 * the elected stashes, or undefined, writing nothing, when fewer than the minimum can be elected.
 */
export function electFromStakes(state: StorageAccess, era: number, stakes: CandidateStake[]): Uint8Array[] | undefined {
  const choice = electable(state, stakes)
  if (choice === undefined) return undefined
  let eraTotal = 0n
  const exposed: Uint8Array[] = []
  for (const { stash, total, exposed: has } of stakes) {
    if (!has) continue
    eraTotal += total
    exposed.push(stash)
  }
  ErasTotalStakes.insert(state, era, eraTotal)
  ErasExposed.insert(state, era, exposed)
  const elected = doElection(choice.electable, choice.toElect)
  CurrentElected.put(state, elected)
  return elected
}

/**
 * Runs the election for `era` in one block. Writes exposures for every candidate with a stake
 * limit (elected or not), the era's total stake over all of them and `CurrentElected`; returns the
 * elected stashes, or undefined, writing nothing (the old set is kept), when there are fewer
 * candidates, or fewer electable ones, than the minimum. (election-pages.ts spreads the same work
 * over blocks when it is too big for one.)
 */
export function selectAndUpdateValidators(state: StorageAccess, era: number): Uint8Array[] | undefined {
  // Crust walks a BTreeMap keyed by stash: account order, which also breaks ties between equal stakes.
  const candidates = ValidatorsList.all(state).sort(compareAccounts)
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
  const stakes: Array<CandidateStake & { exposure?: Exposure }> = []
  for (const stash of candidates) {
    const limit = StakeLimit.get(state, stash) ?? 0n
    // "Add to `validator_stakes` but skip adding to `eras_stakers` if stake limit goes 0" (lib.rs:2233-2237).
    if (limit === 0n) {
      stakes.push({ stash, total: 0n, exposed: false })
      continue
    }
    const exposure = cappedExposure(activeBond(state, stash), edges.get(hex(stash)) ?? [], limit)
    stakes.push({ stash, total: exposure.total, exposed: true, exposure })
  }
  if (electable(state, stakes) === undefined) return undefined
  for (const { stash, exposure } of stakes) {
    if (exposure === undefined) continue
    ErasStakers.insert(state, era, stash, exposure)
    ErasStakersClipped.insert(state, era, stash, clip(exposure))
    ErasValidatorPrefs.insert(state, era, stash, Validators.get(state, stash))
  }
  return electFromStakes(state, era, stakes)
}

/**
 * Crust's `do_election` (lib.rs:2381-2407): a stable sort by stake, descending (ties keep account
 * order), the top 2 × toElect as the candidates to shuffle (the shuffle is disabled in Crust HEAD),
 * then the first toElect of them.
 */
export function doElection(stakes: Array<{ stash: Uint8Array; total: bigint }>, toElect: number): Uint8Array[] {
  const sorted = [...stakes].sort((a, b) => (b.total > a.total ? 1 : b.total < a.total ? -1 : 0))
  const candidates = sorted.slice(0, Math.min(sorted.length, toElect * 2))
  return candidates.slice(0, toElect).map((s) => s.stash)
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
 * The validator set consensus reads, with each validator's weight: the active era's set
 * (ErasAuthorities, written when the era was planned) with its capped stake in that era, or the
 * genesis (invulnerable) validators with equal weight 1 until an election has elected anyone. When no member of
 * the set has an exposure (nobody elected yet, or all elected at stake 0) every weight is 1.
 */
export function electedValidators(state: StorageReader): Array<{ stash: Uint8Array; weight: bigint }> {
  const era = ActiveEra.get(state)?.index
  const set = era === undefined ? [] : ErasAuthorities.get(state, era)
  // Until an election has elected anyone, the invulnerables (as root last set them) author.
  if (era === undefined || set.length === 0 || CurrentElected.get(state).length === 0) {
    return Invulnerables.get(state).map((stash) => ({ stash, weight: 1n }))
  }
  const weighted = set.map((stash) => ({ stash, weight: ErasStakers.get(state, era, stash).total }))
  return weighted.every((v) => v.weight === 0n) ? set.map((stash) => ({ stash, weight: 1n })) : weighted
}
