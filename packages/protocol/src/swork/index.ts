/**
 * sWork (Crust's MPoW) on the wire: the bytes the sWorker's enclave key signs and the chain
 * verifies, the P-256 signature scheme in Crust's little-endian form, and the well-known dev keys.
 */
export {
  DEV_ATTESTATION_AUTHORITY_PUBLIC,
  DEV_ATTESTATION_AUTHORITY_SECRET,
  DEV_ENCLAVE_CODE,
  p256PublicKey,
} from './dev-keys.js'
export { p256KeyObject, verifyP256, verifySworkerSignature } from './p256.js'
/** The work report and registration payloads, key and signature forms, and the attestation report body. */
export * as sworkWire from './wire.js'
