import { CrustError } from '@crust-ts/base'

/** Why the keystore refused a key. */
export type KeystoreErrorCode =
  /** A key type id is not four ASCII characters. */
  | 'KEYSTORE_ERROR_BAD_KEY_TYPE'
  /** A secret URI does not parse, or does not give the public key it came with. */
  | 'KEYSTORE_ERROR_BAD_SEED'
  /** Encoded session keys are not four 32-byte keys. */
  | 'KEYSTORE_ERROR_BAD_SESSION_KEYS'

/** A key the keystore cannot take. The message never contains the secret. */
export class KeystoreError extends CrustError {
  declare readonly code: KeystoreErrorCode

  constructor(code: KeystoreErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta)
  }
}
