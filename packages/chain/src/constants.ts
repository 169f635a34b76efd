/** SS58 address prefix of Crust mainnet and of every crust-ts chain. */
export const SS58_PREFIX = 66
/** CRU has 12 decimals: 1 CRU = 10^12 base units. */
export const TOKEN_DECIMALS = 12
export const TOKEN_SYMBOL = 'CRU'
export const CRU = 10n ** 12n
/** Default JSON-RPC port (Substrate's). */
export const DEFAULT_RPC_PORT = 9944
/** Default p2p port (Substrate's). */
export const DEFAULT_P2P_PORT = 30333
/** States a pruned node keeps by default: the last this many finalized blocks' (Substrate's default). */
export const DEFAULT_STATE_PRUNING = 256
