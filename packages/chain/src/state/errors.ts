import { CrustError } from '@crust-ts/base'

/** Stable codes of {@link StateError}. */
export const StateErrorCode = {
  /** A trie node needed to answer the call is not in the node store. */
  MISSING_NODE: 'STATE_ERROR_MISSING_NODE',
  /** Bytes in the node store do not decode as a trie node. */
  INVALID_NODE: 'STATE_ERROR_INVALID_NODE',
  /** A call argument is out of range (e.g. a root that is not 32 bytes). */
  INVALID_ARGUMENT: 'STATE_ERROR_INVALID_ARGUMENT',
} as const

/** One of the {@link StateErrorCode} values. */
export type StateErrorCode = (typeof StateErrorCode)[keyof typeof StateErrorCode]

/** Per-code metadata of {@link StateError}. */
export type StateErrorType =
  | { code: typeof StateErrorCode.MISSING_NODE; hash: string }
  | { code: typeof StateErrorCode.INVALID_NODE; hash: string; reason: string }
  | { code: typeof StateErrorCode.INVALID_ARGUMENT; reason: string }

/**
 * Thrown by the state trie: when a node it needs is missing from the store
 * (`STATE_ERROR_MISSING_NODE`), when stored bytes are not a valid node (`STATE_ERROR_INVALID_NODE`),
 * or when an argument is unusable (`STATE_ERROR_INVALID_ARGUMENT`).
 */
export class StateError extends CrustError {
  declare readonly code: StateErrorCode
  readonly type: StateErrorType

  constructor(type: StateErrorType, message: string, options?: { cause?: unknown }) {
    const { code, ...meta } = type
    super(code, message, meta, options)
    this.type = type
  }
}
