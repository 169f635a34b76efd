/**
 * Extrinsics in Substrate's v4 format: `Compact<len> ++ version ++ [address ++ signature ++ extra] ++ call`.
 * The envelope is parsed by hand (it is tiny and on the hot path); the call is decoded by the
 * runtime's generated codec.
 */
import { blake2AsU8a, signatureVerify } from '@polkadot/util-crypto'
import { ed25519Verify, sr25519Verify } from '@polkadot/wasm-crypto'
import { CrustError } from '@crust-ts/base'
import { type Era, readEra } from './era.js'
import { concatBytes } from './hashing.js'
import type { RuntimeCallValue } from './pallet.js'
import type { Runtime } from './runtime.js'

const SIGNED_V4 = 0x84
const UNSIGNED_V4 = 0x04

/** The extrinsic bytes are not a well-formed v4 extrinsic (JSON-RPC 1001). */
export class ExtrinsicFormatError extends CrustError {
  constructor(message: string, cause?: unknown) {
    super('EXTRINSIC_ERROR_BAD_FORMAT', message, undefined, { cause })
  }
}

export type SignatureScheme = 'ed25519' | 'sr25519' | 'ecdsa'

export interface SignedPart {
  signer: Uint8Array
  scheme: SignatureScheme
  signature: Uint8Array
  /** The MultiSignature bytes, scheme byte included. */
  multiSignature: Uint8Array
  era: Era
  nonce: number
  tip: bigint
  /** The raw `extra` bytes (era ++ nonce ++ tip), as signed. */
  extra: Uint8Array
}

export interface DecodedExtrinsic {
  /** The full encoding, length prefix included, exactly as submitted. */
  bytes: Uint8Array
  /** blake2-256 of `bytes`: the transaction hash clients compute. */
  hash: Uint8Array
  signed: SignedPart | undefined
  callBytes: Uint8Array
  call: RuntimeCallValue
}

/** Reads a SCALE compact integer at `offset`. */
export function readCompact(bytes: Uint8Array, offset: number): { value: bigint; length: number } | undefined {
  const b0 = bytes[offset]
  if (b0 === undefined) return undefined
  switch (b0 & 3) {
    case 0:
      return { value: BigInt(b0 >> 2), length: 1 }
    case 1:
      if (offset + 2 > bytes.length) return undefined
      return { value: BigInt((b0 | (bytes[offset + 1]! << 8)) >> 2), length: 2 }
    case 2:
      if (offset + 4 > bytes.length) return undefined
      return {
        value: BigInt(((b0 | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) >>> 2) + bytes[offset + 3]! * 2 ** 22),
        length: 4,
      }
    default: {
      const n = (b0 >> 2) + 4
      if (offset + 1 + n > bytes.length) return undefined
      let v = 0n
      for (let i = n; i >= 1; i--) v = (v << 8n) | BigInt(bytes[offset + i]!)
      return { value: v, length: 1 + n }
    }
  }
}

export function encodeCompact(value: number | bigint): Uint8Array {
  const v = BigInt(value)
  if (v < 1n << 6n) return Uint8Array.of(Number(v) << 2)
  if (v < 1n << 14n) return Uint8Array.of(((Number(v) << 2) | 1) & 0xff, Number(v) >> 6)
  if (v < 1n << 30n) {
    const n = (Number(v) * 4 + 2) >>> 0
    return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
  }
  const out: number[] = []
  let x = v
  while (x > 0n) {
    out.push(Number(x & 0xffn))
    x >>= 8n
  }
  return Uint8Array.of(((out.length - 4) << 2) | 3, ...out)
}

/** Decodes an extrinsic's envelope and call; throws {@link ExtrinsicFormatError} on any malformation. */
export function decodeExtrinsic(runtime: Runtime, bytes: Uint8Array): DecodedExtrinsic {
  const len = readCompact(bytes, 0)
  if (len === undefined || len.value !== BigInt(bytes.length - len.length)) {
    throw new ExtrinsicFormatError('the length prefix does not match the extrinsic length')
  }
  let o = len.length
  const version = bytes[o++]
  let signed: SignedPart | undefined
  if (version === SIGNED_V4) {
    if (bytes[o++] !== 0) throw new ExtrinsicFormatError('only MultiAddress::Id signers are supported')
    const signer = bytes.subarray(o, o + 32)
    o += 32
    const sigType = bytes[o]
    const sigLen = sigType === 0 || sigType === 1 ? 64 : sigType === 2 ? 65 : -1
    if (sigLen < 0) throw new ExtrinsicFormatError('unknown signature type')
    const multiSignature = bytes.subarray(o, o + 1 + sigLen)
    o += 1 + sigLen
    const extraStart = o
    const era = readEra(bytes, o)
    if (era === undefined) throw new ExtrinsicFormatError('invalid era')
    o += era.length
    const nonce = readCompact(bytes, o)
    if (nonce === undefined || nonce.value > 0xffffffffn) throw new ExtrinsicFormatError('invalid nonce')
    o += nonce.length
    const tip = readCompact(bytes, o)
    if (tip === undefined || tip.value >= 1n << 128n) throw new ExtrinsicFormatError('invalid tip')
    o += tip.length
    if (o > bytes.length || signer.length !== 32) throw new ExtrinsicFormatError('truncated extrinsic')
    signed = {
      signer,
      scheme: sigType === 0 ? 'ed25519' : sigType === 1 ? 'sr25519' : 'ecdsa',
      signature: multiSignature.subarray(1),
      multiSignature,
      era: era.era,
      nonce: Number(nonce.value),
      tip: tip.value,
      extra: bytes.subarray(extraStart, o),
    }
  } else if (version !== UNSIGNED_V4) {
    throw new ExtrinsicFormatError(`unsupported extrinsic version byte 0x${(version ?? 0).toString(16)}`)
  }
  const callBytes = bytes.subarray(o)
  let call: RuntimeCallValue
  try {
    call = runtime.decodeCall(callBytes)
  } catch (err) {
    throw new ExtrinsicFormatError('the call does not decode', err)
  }
  return { bytes, hash: blake2AsU8a(bytes, 256), signed, callBytes, call }
}

/** The bytes a signer signs: call ++ extra ++ additional-signed, hashed when over 256 bytes. */
export function signingPayload(
  runtime: Runtime,
  xt: DecodedExtrinsic,
  genesisHash: Uint8Array,
  birthHash: Uint8Array,
): Uint8Array {
  if (xt.signed === undefined) throw new Error('unsigned extrinsic has no signing payload')
  const additional = new Uint8Array(8)
  const view = new DataView(additional.buffer)
  view.setUint32(0, runtime.config.specVersion, true)
  view.setUint32(4, runtime.config.transactionVersion, true)
  const payload = concatBytes(xt.callBytes, xt.signed.extra, additional, genesisHash, birthHash)
  return payload.length > 256 ? blake2AsU8a(payload, 256) : payload
}

/** Checks the signature (WASM sr25519/ed25519; ecdsa recovers the key and compares its blake2 hash). */
export function verifySignature(signed: SignedPart, payload: Uint8Array): boolean {
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

/** An unsigned (inherent) extrinsic for `call`. */
export function encodeUnsigned(callBytes: Uint8Array): Uint8Array {
  const body = concatBytes(Uint8Array.of(UNSIGNED_V4), callBytes)
  return concatBytes(encodeCompact(body.length), body)
}
