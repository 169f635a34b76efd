/**
 * `offences`: report, de-duplicate and price offences of every kind (Substrate's pallet_offences),
 * handing them to staking for the (deferred) slash.
 */
export {
  BLOCK_EQUIVOCATION,
  equivocationSlashFraction,
  type OffenceKind,
  PERBILL,
  perbillFromRational,
  perbillSquare,
  STORAGE_CHALLENGE_FAILURE,
  STORAGE_FAULT_SLASH,
  UNRESPONSIVENESS,
  unresponsivenessSlashFraction,
  VOTE_EQUIVOCATION,
} from './kinds.js'
export { offencesEvents, offencesPallet } from './pallet.js'
export { isKnownOffence, type Offence, type OffenceDetails, type OnOffenceHandler, reportId, reportOffence, type ReportOffenceResult } from './report.js'
export { ConcurrentReportsIndex, Reports } from './storage.js'
