/** The W3Auth contract: who a request comes from, and how a chain type checks its signature. */

/** A verified W3Auth identity. */
export interface W3AuthIdentity {
  /** Canonical chain type name of the verifier that accepted it (`substrate`, `ethereum`, `solana`, ...). */
  chainType: string
  /** The address as sent (the signed message). */
  address: string
  /**
   * Stable account key used for ownership and quotas: `<chainType>-<normalized address>`; one key
   * is one account (a substrate key under any SS58 prefix or as hex: `substrate-0x<public key>`).
   */
  account: string
  /** Expiring tokens only: when the token stops being accepted (unix seconds). */
  expiresAt?: number
}

/**
 * The pieces of a decoded token: `<chainType>-<address>[-<txMsg>]:<signature>` (Crust's form: the
 * signature signs the address) or `<chainType>-<address>[-<txMsg>]:<signature>:<expiry>` (the
 * expiring form: the signature signs `<address>:<expiry>`, expiry in unix seconds).
 */
export interface W3AuthCredentials {
  /** Lower-cased chain type alias as sent (`sub` when the token had none). */
  chainType: string
  address: string
  signature: string
  /** Third `-` segment, used by some chain types (Crust's `xx`). */
  txMsg?: string
  /** Expiring form: the expiry (unix seconds) the signature covers. */
  expiry?: number
  /** What the signature signs: the address, or `<address>:<expiry>` in the expiring form. */
  message: string
}

/** Checks that `signature` signs `message` (by the key of `address`) for one chain type; may throw (treated as invalid). */
export type SignatureVerifier = (credentials: W3AuthCredentials) => boolean | Promise<boolean>

/** A verifier with its canonical name and address normalisation (e.g. lower-case for ethereum). */
export interface VerifierEntry {
  name: string
  verify: SignatureVerifier
  normalizeAddress?: (address: string) => string
}
