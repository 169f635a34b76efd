/**
 * One transaction signature check, with nothing of the runtime: the pool, block import and the
 * signature worker threads share it (a worker loads this module and the WASM crypto only).
 */
import { signatureVerify } from '@polkadot/util-crypto'
import { ed25519Verify, sr25519Verify } from '@polkadot/wasm-crypto'

export type SignatureScheme = 'ed25519' | 'sr25519' | 'ecdsa'

/** What a signature check reads of a signed extrinsic. */
export interface SignatureCheck {
  scheme: SignatureScheme
  signer: Uint8Array
  signature: Uint8Array
  /** The MultiSignature bytes, scheme byte included (ecdsa recovers the key from them). */
  multiSignature: Uint8Array
}

/** Checks the signature (WASM sr25519/ed25519; ecdsa recovers the key and compares its blake2 hash). */
export function verifySignature(signed: SignatureCheck, payload: Uint8Array): boolean {
  switch (signed.scheme) {
    case 'sr25519':
      return sr25519Verify(signed.signature, payload, signed.signer)
    case 'ed25519':
      return ed25519Verify(signed.signature, payload, signed.signer)
    case 'ecdsa':
      try {
        return signatureVerify(payload, signed.multiSignature, signed.signer).isValid
      } catch {
        return false
      }
  }
}
