/** At most this many entries in each of `added_files` and `deleted_files` (the chain's FILES_COUNT_LIMIT). */
export const REPORT_FILES_LIMIT = 300
