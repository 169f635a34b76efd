/**
 * sWork's fixed numbers (crustio/crust: cstrml/swork/src/lib.rs, primitives/src/constants.rs).
 * Block counts that depend on the report slot are derived from `RuntimeConfig.reportSlot` (the chain
 * spec's value), never written out as 600.
 */

/** Reported SRD (spare room) bytes must stay below 2 PiB. */
export const SRD_LIMIT = 2_251_799_813_685_248n
/** Reported file bytes must stay below 8 PiB. */
export const FILES_LIMIT = 9_007_199_254_740_992n
/** At most this many entries in each of `added_files` and `deleted_files` of one report. */
export const FILES_COUNT_LIMIT = 300
/** Identities the workload aggregation visits per block. */
export const IDENTITY_UPDATE_LENGTH = 500
/** `punishment_deadline` of an identity whose first workload check is still to come (its grace). */
export const NEW_IDENTITY = 1n
/** `punishment_deadline` of an identity that is not punished. */
export const NO_PUNISHMENT = 0n
/** Most members, and most allowlisted accounts, of one group (Crust's runtime `MaxGroupSize`). */
export const MAX_GROUP_SIZE = 1000
/** `ReportedInSlot` keeps this many report slots of history (Crust: `HistorySlotDepth` = 6 × REPORT_SLOT). */
export const HISTORY_SLOTS = 6
/** The aggregation starts `reportSlot / UPDATE_OFFSET_DIVISOR` blocks before a slot boundary (Crust: 600 / 6 = 100). */
export const UPDATE_OFFSET_DIVISOR = 6
/**
 * The aggregation needs at least this many blocks before its timeout block; a very short dev report
 * slot would otherwise start and time out in the same block.
 */
export const MIN_UPDATE_OFFSET = 2
/** The aggregation is finalized at the latest `END_OFFSET` block before a slot boundary. */
export const END_OFFSET = 1

/** Per-block ref-time of a database read and write (Substrate's RocksDbWeight), for call weights. */
export const DB_READ_WEIGHT = 25_000_000n
export const DB_WRITE_WEIGHT = 100_000_000n
