/** Port of the EVM dev node's JSON-RPC (Hardhat's and Anvil's default). */
export const DEFAULT_EVM_RPC_PORT = 8545
/** Hardhat's dev chain id. */
export const DEFAULT_EVM_CHAIN_ID = 31337
/** Port of the order node's HTTP API. */
export const DEFAULT_ORDER_NODE_PORT = 12224
/** Largest JSON-RPC request body the dev node reads. */
export const MAX_RPC_BODY_BYTES = 16 * 1024 * 1024
/** The price oracle of `crust dev`: Crust-like prices (12-decimal plancks), 1 ETH = 10,000 CRU. */
export const DEV_ORACLE_PRICES = {
  basePrice: 10_000_000_000n, // 0.01 CRU per order
  bytePrice: 1_000_000_000n, // 0.001 CRU per MiB
  servicePriceRate: 10n, // +10 %
  cruEthRate: 10_000n * 100_000n, // CRU per ETH, 5 decimals
  sizeLimit: 1024n * 1024n * 1024n, // 1 GiB
} as const
/**
 * Renewals prepaid with a permanent order. The price oracle charges a permanent order
 * `PERMANENT_MULTIPLIER` (200) order prices: one pays the Crust order, the other 199 go to the
 * file's prepaid pool, from which the chain renews it at each expiry (crust-evm reference).
 */
export const PERMANENT_RENEWALS = 199n
