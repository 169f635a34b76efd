/** The SDK's defaults and Crust's fixed numbers. */

/** Crust's SS58 address prefix. */
export const SS58_PREFIX = 66
/** Plancks per CRU. */
export const CRU = 10n ** 12n
/** Decimals of CRU. */
export const CRU_DECIMALS = 12
/** Bytes per MiB: the market prices files per started MiB. */
export const MIB = 1_048_576n
/** Longest CID the market accepts (bytes of its string form). */
export const MAX_CID_LENGTH = 128
/** The usual local endpoints (`crust dev`). */
export const DEFAULT_CHAIN_URL = 'ws://127.0.0.1:9944'
export const DEFAULT_IPFS_API = 'http://127.0.0.1:5001'
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080'
/** The memo Crust's docs put on orders for directory roots. */
export const FOLDER_MEMO = 'folder'
/** How long `waitForReplicas` waits unless told otherwise. */
export const DEFAULT_REPLICA_TIMEOUT_MS = 600_000
