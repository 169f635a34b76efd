export { KeystoreError, type KeystoreErrorCode } from './errors.js'
export { type KeyTypeId, Keystore, type SigningKeys } from './keystore.js'
