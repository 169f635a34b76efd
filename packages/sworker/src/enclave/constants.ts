/** File (in the data folder) holding the node secret, mode 0600. */
export const NODE_SECRET_FILE = 'node-secret'
/** File (in the data folder) holding the enclave identity, encrypted under a key derived from the node secret. */
export const IDENTITY_FILE = 'enclave-identity'
/** Length of the node secret and of every derived key. */
export const SECRET_LENGTH = 32
/** Format byte of the identity file. */
export const IDENTITY_FORMAT = 1
/** Format byte of a sealed block. */
export const SEALED_BLOCK_FORMAT = 1
/** AES-GCM IV and tag lengths. */
export const GCM_IV_LENGTH = 12
export const GCM_TAG_LENGTH = 16
/** Bytes a sealed block adds to its plaintext (format byte, IV, tag). */
export const SEAL_OVERHEAD = 1 + GCM_IV_LENGTH + GCM_TAG_LENGTH
