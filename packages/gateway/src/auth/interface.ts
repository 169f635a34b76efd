/** The W3Auth contract: who a request comes from, and how a chain type checks its signature. */

/** A verified W3Auth identity. */
export interface W3AuthIdentity {
  /** Canonical chain type name of the verifier that accepted it (`substrate`, `ethereum`, `solana`, ...). */
  chainType: string
  /** The address as sent (the signed message). */
  address: string
  /** Stable account key used for ownership: `<chainType>-<normalized address>`. */
  account: string
}

/** The pieces of a decoded token: `<chainType>-<address>[-<txMsg>]:<signature>`. */
export interface W3AuthCredentials {
  /** Lower-cased chain type alias as sent (`sub` when the token had none). */
  chainType: string
  address: string
  signature: string
  /** Third `-` segment, used by some chain types (Crust's `xx`). */
  txMsg?: string
}

/** Checks that `signature` signs `address` for one chain type; may throw (treated as invalid). */
export type SignatureVerifier = (credentials: W3AuthCredentials) => boolean | Promise<boolean>

/** A verifier with its canonical name and address normalisation (e.g. lower-case for ethereum). */
export interface VerifierEntry {
  name: string
  verify: SignatureVerifier
  normalizeAddress?: (address: string) => string
}
