/** Defaults and fixed numbers of the sManager. */

export const KIB = 1024
export const MIB = 1024 * KIB
export const GIB = 1024 * MIB

/** Crust's strategies as weights of db-scanned files vs files from new-order events. */
export const STRATEGY_WEIGHTS = {
  default: { dbFilesWeight: 50, newFilesWeight: 50 },
  srdFirst: { dbFilesWeight: 80, newFilesWeight: 10 },
  newFileFirst: { dbFilesWeight: 20, newFilesWeight: 80 },
} as const

/** sWorker `seal_start` status codes (crust-sworker). */
export const SEAL_START_OK = 0
export const SEAL_START_ALREADY_SEALED = 8012
export const SEAL_START_IN_PROGRESS = 8013

/** Default port of the sManager's loopback HTTP API. */
export const DEFAULT_SMANAGER_API_PORT = 12223
