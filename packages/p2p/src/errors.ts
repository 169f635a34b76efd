import { CrustError } from '@crust-ts/base'

/**
 * Stable codes of {@link Libp2pHostError}. They keep the `IPFS_` prefix they had when the host lived
 * in the IPFS package: callers and logs match on them.
 */
export const Libp2pHostErrorCode = {
  /** The peer key file exists but does not hold a libp2p private key. */
  PEER_KEY_INVALID: 'IPFS_ERROR_PEER_KEY_INVALID',
  /** The peer key file cannot be read or written. */
  PEER_KEY_IO: 'IPFS_ERROR_PEER_KEY_IO',
} as const

/** One of the {@link Libp2pHostErrorCode} values. */
export type Libp2pHostErrorCode = (typeof Libp2pHostErrorCode)[keyof typeof Libp2pHostErrorCode]

/** Per-code metadata of {@link Libp2pHostError}. */
export type Libp2pHostErrorType =
  | { code: typeof Libp2pHostErrorCode.PEER_KEY_INVALID; path: string }
  | { code: typeof Libp2pHostErrorCode.PEER_KEY_IO; path: string }

/**
 * Thrown while building the libp2p host: a corrupt peer key file (`IPFS_ERROR_PEER_KEY_INVALID`), or
 * a peer key file that cannot be read or written, or neither a key nor a key file given
 * (`IPFS_ERROR_PEER_KEY_IO`).
 */
export class Libp2pHostError extends CrustError {
  declare readonly code: Libp2pHostErrorCode
  readonly type: Libp2pHostErrorType

  constructor(type: Libp2pHostErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, meta, options)
    this.type = type
  }
}
