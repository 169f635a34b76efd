/** The `Staking` pallet (Crust's GPoS): see pallet.ts. */
export { BONDING_DURATION, HISTORY_DEPTH, MAX_GUARANTEE, MAX_OFFENCE_AGE_ERAS, MAX_UNLOCKING_CHUNKS, SLASH_DEFER_DURATION, STAKING_ID } from './constants.js'
export { activeBond, cappedExposure, clearEraInformation, doElection, electedValidators, selectAndUpdateValidators } from './election.js'
export {
  CANDIDATES_PER_PAGE,
  ElectionCandidates,
  ElectionEdges,
  ElectionProgress,
  ElectionStakes,
  electionPage,
  finishPagedElection,
  GUARANTORS_PER_PAGE,
  PAGED_ELECTION_MIN_VOTERS,
} from './election-pages.js'
export { events as stakingEvents, stakingErrors } from './errors.js'
export { applyWorkload, buildStakingGenesis, lowerStakeLimit, stakingPallet } from './pallet.js'
export { isSessionStart, planEra, rotateSession, sessionTiming, startEra } from './era.js'
export { permillFromRational, stakeLimitOf, stakeLimitRatio, totalStakeLimit } from './stake-limit.js'
export * from './storage.js'
export type {
  Exposure,
  Guarantee,
  IndividualExposure,
  SlashingSpans as SlashingSpansRecord,
  SpanRecord,
  StakingLedger,
  UnappliedSlash,
  ValidatorPrefs,
} from './types.js'
export { authoringSharePercent, calculateMarketPayout, endEra, erasPerYear, rewardByIds, rewardStakers, totalRewardsInEra, yearlyRewards } from './rewards.js'
export { CurrentIndex, DisabledValidators, disableValidator, SessionValidators, sessionEvents, sessionPallet } from './session.js'
export {
  ActiveKeys,
  activeKeysOf,
  activeOwnerOf,
  buildSessionKeysGenesis,
  decodeSessionKeys,
  encodeSessionKeys,
  KEY_TYPES,
  KeyOwner,
  keyOwnerOf,
  KeysGeneration,
  NextKeys,
  QueuedKeys,
  rotateSessionKeys,
  SESSION_KEY_NAMES,
  SESSION_KEYS_LENGTH,
  type SessionKeyName,
  type SessionKeys,
  sessionErrors,
  sessionKeys,
  uniformKeys,
  eraOfSetId,
  voterSetId,
} from './session-keys.js'
export {
  applySlash,
  applyUnappliedSlashes,
  computeSlash,
  endSpan,
  newSpans,
  pruneSpans,
  type ReportOffenceResult,
  reportOffence,
  type SlashingSpan,
  type SlashParams,
  spansOf,
  stakingOnOffence,
} from './slashing.js'
export { slashLedger } from './ledger.js'
export { type EquivocationReport, EquivocationKind, reportEquivocation, voteEvidence } from './equivocation.js'
