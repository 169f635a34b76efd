/**
 * Not in Crust: the era election spread over the blocks before the session start that plans the
 * era (Substrate's multi-block election idea), for elections too big for one block (at 1,000
 * candidates and 10,000 guarantors the one-block election took about twice a block's budget).
 *
 * The steps, one per block, in staking's `on_initialize` once the session start that will plan an
 * era is near enough:
 * 1. the first step snapshots the candidates (`ValidatorsList`, account order, as the election walks them);
 * 2. guarantor pages: each reads `GUARANTORS_PER_PAGE` guarantors of `GuarantorsList` (list order)
 *    and stores, per snapshot candidate, that page's guarantees to it (`ElectionEdges`);
 * 3. candidate pages: each takes `CANDIDATES_PER_PAGE` candidates, joins their guarantees of every
 *    page (list order again, so the exposures list guarantors as the one-block election does),
 *    caps them by the stake limit and writes the planned era's `ErasStakers`, `ErasStakersClipped`
 *    and `ErasValidatorPrefs`, keeping each candidate's capped total in `ElectionStakes`;
 * 4. at the session start, `planEra` finishes it from `ElectionStakes` alone (ForceSelection, the
 *    counts and `do_election` read then, as in one block): the result, and every value written,
 *    is the one-block election's on the same state.
 * Each page reads the state of its own block: a bond, limit or guarantee changed after its page was
 * read counts from the next election, and candidates that chill during the pages stay in it (as
 * Substrate's snapshot). An election that did not finish in time, or a plan for another era, drops
 * the pages' writes and runs in one block.
 */
import type { BlockContext } from '../../frame/pallet.js'
import { optionalDoubleMap, optionalValue, type StorageAccess, type StorageItem } from '../../frame/storage.js'
import { bool, named, struct, tuple, u8, u32, vec } from '../../primitives/codec/scale-type.js'
import { activeBond, cappedExposure, clip, compareAccounts, electFromStakes, hex, type CandidateStake } from './election.js'
import { ErasStakers, ErasStakersClipped, ErasValidatorPrefs, Guarantors, GuarantorsList, StakeLimit, Validators, ValidatorsList } from './storage.js'
import { account, balance, individualExposure, type IndividualExposure } from './types.js'

const PALLET = 'Staking'
const PATH = 'cstrml_staking'

/** Guarantors read per block (16 guarantees each at most). */
export const GUARANTORS_PER_PAGE = 1_000
/** Candidates whose exposures are written per block. */
export const CANDIDATES_PER_PAGE = 100
/** Below this many guarantors plus candidates the election runs in one block. */
export const PAGED_ELECTION_MIN_VOTERS = 2_000
/** Blocks of slack between the planned last page and the session start. */
const SPARE_BLOCKS = 2

/** Page sizes and the size from which an election is paged (constants above; smaller in specs). */
export interface ElectionPaging {
  guarantorsPerPage: number
  candidatesPerPage: number
  minVoters: number
}
export const DEFAULT_ELECTION_PAGING: ElectionPaging = {
  guarantorsPerPage: GUARANTORS_PER_PAGE,
  candidatesPerPage: CANDIDATES_PER_PAGE,
  minVoters: PAGED_ELECTION_MIN_VOTERS,
}

const GUARANTOR_PAGES = 0
const CANDIDATE_PAGES = 1
const READY = 2

const electionProgress = struct([PATH, 'ElectionProgress'], {
  era: named(u32, 'EraIndex'),
  stage: named(u8, 'u8'),
  cursor: named(u32, 'u32'),
  guarantors: named(u32, 'u32'),
  edge_pages: named(u32, 'u32'),
})
type Progress = { era: number; stage: number; cursor: number; guarantors: number; edge_pages: number }

export const ElectionProgress = optionalValue({
  pallet: PALLET,
  name: 'ElectionProgress',
  value: electionProgress,
  docs: [
    'Not in Crust: the paged election under way: the era it elects for, its stage (0 guarantor pages, 1 candidate pages, 2 ready), cursor, guarantor count, pages of guarantees.',
  ],
})
export const ElectionCandidates = optionalValue({
  pallet: PALLET,
  name: 'ElectionCandidates',
  value: vec(account),
  docs: ['Not in Crust: the candidates of the paged election under way, in account order.'],
})
export const ElectionEdges = optionalDoubleMap({
  pallet: PALLET,
  name: 'ElectionEdges',
  hashers: ['Twox64Concat', 'Twox64Concat'],
  key1: account,
  key2: named(u32, 'u32'),
  value: vec(individualExposure),
  docs: ['Not in Crust: the guarantees to a candidate read by one guarantor page of the paged election under way.'],
})
const stakeEntry = tuple(account, balance, bool)
export const ElectionStakes = optionalValue({
  pallet: PALLET,
  name: 'ElectionStakes',
  value: vec(stakeEntry),
  docs: ['Not in Crust: (candidate, capped total, has an exposure) of the candidates the paged election has done.'],
})

export const ELECTION_PAGE_STORAGE: StorageItem[] = [ElectionProgress, ElectionCandidates, ElectionEdges, ElectionStakes]

/**
 * One step of the paged election for `era` (stages above); starts it when none runs. Returns
 * whether the election is ready for `finishPagedElection`.
 */
export function electionPage(state: StorageAccess, era: number, paging: ElectionPaging = DEFAULT_ELECTION_PAGING): boolean {
  let progress = ElectionProgress.get(state)
  if (progress !== undefined && progress.era !== era) {
    discardPagedElection(state)
    progress = undefined
  }
  if (progress === undefined) {
    ElectionCandidates.put(state, ValidatorsList.all(state).sort(compareAccounts))
    progress = { era, stage: GUARANTOR_PAGES, cursor: 0, guarantors: GuarantorsList.count.get(state), edge_pages: 0 }
  }
  if (progress.stage === GUARANTOR_PAGES) guarantorPage(state, progress, paging.guarantorsPerPage)
  else if (progress.stage === CANDIDATE_PAGES) candidatePage(state, progress, paging.candidatesPerPage)
  ElectionProgress.put(state, progress)
  return progress.stage === READY
}

function guarantorPage(state: StorageAccess, progress: Progress, size: number): void {
  const candidates = new Set((ElectionCandidates.get(state) ?? []).map(hex))
  const edges = new Map<string, { who: Uint8Array; list: IndividualExposure[] }>()
  const end = Math.min(progress.cursor + size, progress.guarantors)
  for (let i = progress.cursor; i < end; i++) {
    // A guarantor removed since the page count was taken moved the last one here, or left a hole.
    const guarantor = GuarantorsList.at.get(state, i)
    if (guarantor === undefined) continue
    for (const target of Guarantors.get(state, guarantor)?.targets ?? []) {
      const key = hex(target.who)
      if (!candidates.has(key)) continue
      const entry = edges.get(key) ?? { who: target.who, list: [] }
      entry.list.push({ who: guarantor, value: target.value })
      edges.set(key, entry)
    }
  }
  const page = progress.edge_pages
  for (const { who, list } of edges.values()) ElectionEdges.insert(state, who, page, list)
  progress.edge_pages = page + 1
  progress.cursor = end
  if (end >= progress.guarantors) {
    progress.stage = CANDIDATE_PAGES
    progress.cursor = 0
  }
}

function candidatePage(state: StorageAccess, progress: Progress, size: number): void {
  const candidates = ElectionCandidates.get(state) ?? []
  const stakes = ElectionStakes.get(state) ?? []
  const end = Math.min(progress.cursor + size, candidates.length)
  for (let i = progress.cursor; i < end; i++) {
    const stash = candidates[i]!
    const guarantees: IndividualExposure[] = []
    for (let page = 0; page < progress.edge_pages; page++) {
      const list = ElectionEdges.get(state, stash, page)
      if (list === undefined) continue
      guarantees.push(...list)
      ElectionEdges.remove(state, stash, page)
    }
    const limit = StakeLimit.get(state, stash) ?? 0n
    if (limit === 0n) {
      stakes.push([stash, 0n, false])
      continue
    }
    const exposure = cappedExposure(activeBond(state, stash), guarantees, limit)
    ErasStakers.insert(state, progress.era, stash, exposure)
    ErasStakersClipped.insert(state, progress.era, stash, clip(exposure))
    ErasValidatorPrefs.insert(state, progress.era, stash, Validators.get(state, stash))
    stakes.push([stash, exposure.total, true])
  }
  ElectionStakes.put(state, stakes)
  progress.cursor = end
  if (end >= candidates.length) progress.stage = READY
}

/**
 * Finishes a ready paged election for `era` as `selectAndUpdateValidators` would; returns false,
 * having dropped the pages' writes, when none is ready for that era (the caller then runs the
 * election in one block). `result` is the elected set, or undefined when the one-block election
 * would have kept the old set (nothing written).
 */
export function finishPagedElection(state: StorageAccess, era: number): { ready: boolean; result?: Uint8Array[] } {
  const progress = ElectionProgress.get(state)
  if (progress === undefined) return { ready: false }
  if (progress.era !== era || progress.stage !== READY) {
    discardPagedElection(state)
    return { ready: false }
  }
  const stakes: CandidateStake[] = (ElectionStakes.get(state) ?? []).map(([stash, total, exposed]) => ({ stash, total, exposed }))
  ElectionProgress.kill(state)
  ElectionCandidates.kill(state)
  ElectionStakes.kill(state)
  const result = electFromStakes(state, era, stakes)
  if (result === undefined) dropExposures(state, era, stakes)
  return result === undefined ? { ready: true } : { ready: true, result }
}

/** Drops a paged election under way and everything its pages wrote. */
export function discardPagedElection(state: StorageAccess): void {
  const progress = ElectionProgress.get(state)
  if (progress === undefined) return
  const candidates = ElectionCandidates.get(state) ?? []
  const stakes = ElectionStakes.get(state) ?? []
  dropExposures(
    state,
    progress.era,
    stakes.map(([stash, total, exposed]) => ({ stash, total, exposed })),
  )
  // Guarantees not yet joined: those of the candidates after the cursor (all of them before stage 1).
  const from = progress.stage === CANDIDATE_PAGES ? progress.cursor : progress.stage === READY ? candidates.length : 0
  for (let i = from; i < candidates.length; i++) for (let page = 0; page < progress.edge_pages; page++) ElectionEdges.remove(state, candidates[i]!, page)
  ElectionProgress.kill(state)
  ElectionCandidates.kill(state)
  ElectionStakes.kill(state)
}

function dropExposures(state: StorageAccess, era: number, stakes: CandidateStake[]): void {
  for (const { stash, exposed } of stakes) {
    if (!exposed) continue
    ErasStakers.remove(state, era, stash)
    ErasStakersClipped.remove(state, era, stash)
    ErasValidatorPrefs.remove(state, era, stash)
  }
}

/**
 * How many steps the paged election of the current state takes (guarantor pages, candidate pages,
 * one more to be safe), or 0 when it is small enough for one block.
 */
export function electionSteps(state: StorageAccess, paging: ElectionPaging = DEFAULT_ELECTION_PAGING): number {
  const guarantors = GuarantorsList.count.get(state)
  const candidates = ValidatorsList.count.get(state)
  if (guarantors + candidates < paging.minVoters) return 0
  return Math.ceil(guarantors / paging.guarantorsPerPage) + Math.ceil(candidates / paging.candidatesPerPage) + 1
}

/**
 * Staking's `on_initialize` part outside session starts: runs a step of the paged election when the
 * next session start will plan era `plannedEra` and is at most the election's steps (plus slack) away.
 */
export function electionPageStep(
  ctx: Pick<BlockContext, 'state' | 'blockNumber'>,
  blocksToSessionStart: number,
  plannedEra: number | undefined,
  paging: ElectionPaging = DEFAULT_ELECTION_PAGING,
): void {
  const { state } = ctx
  const progress = ElectionProgress.get(state)
  if (plannedEra === undefined) {
    if (progress !== undefined) discardPagedElection(state)
    return
  }
  if (progress === undefined) {
    const steps = electionSteps(state, paging)
    if (steps === 0 || blocksToSessionStart > steps + SPARE_BLOCKS) return
  }
  if (progress?.stage !== READY) electionPage(state, plannedEra, paging)
}
