/** Sizes and offsets of sWork's wire formats (crustio/crust: cstrml/swork, utils.rs). */

/** Bytes of an sWorker public key or signature: two 32-byte little-endian halves. */
export const SWORKER_KEY_LENGTH = 64
/** Bytes of an uncompressed SEC1 P-256 public key (0x04 ‖ x ‖ y). */
export const P256_PUBLIC_KEY_LENGTH = 65
/** Offsets of the enclave code (MRENCLAVE) and report data (the enclave public key) in an SGX quote body. */
export const QUOTE_CODE_OFFSET = 112
export const QUOTE_CODE_END = 144
export const QUOTE_PUBKEY_OFFSET = 368
export const QUOTE_PUBKEY_END = 432
/** Size of an SGX EPID quote body (`sgx_quote_t` without the signature). */
export const QUOTE_BODY_LENGTH = 432
