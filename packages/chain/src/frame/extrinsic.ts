/**
 * Extrinsics in Substrate's v4 format: `Compact<len> ++ version ++ [address ++ signature ++ extra] ++ call`.
 * The envelope is parsed by hand (it is tiny and on the hot path); the call is decoded by the
 * runtime's generated codec.
 */
import { blake2AsU8a } from '@polkadot/util-crypto'
import { CrustError } from '@crust-ts/base'
import { type Era, readEra } from '../primitives/era.js'
import { encodeCompact, readCompact } from '../primitives/compact.js'
import { concatBytes } from '../primitives/hashing.js'
import type { RuntimeConfig } from './config.js'
import type { RuntimeCallValue } from './pallet.js'
import type { SignatureScheme } from './signature-check.js'

export { type SignatureCheck, type SignatureScheme, verifySignature } from './signature-check.js'

const SIGNED_V4 = 0x84
const UNSIGNED_V4 = 0x04

/** The extrinsic bytes are not a well-formed v4 extrinsic (JSON-RPC 1001). */
export class ExtrinsicFormatError extends CrustError {
  constructor(message: string, cause?: unknown) {
    super('EXTRINSIC_ERROR_BAD_FORMAT', message, undefined, { cause })
  }
}

/** What the extrinsic format needs of the runtime: its call codec and its versions (the `Runtime` is one). */
export interface ExtrinsicRuntime {
  readonly config: Pick<RuntimeConfig, 'specVersion' | 'transactionVersion'>
  decodeCall(bytes: Uint8Array): RuntimeCallValue
}

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

/**
 * Decodes an extrinsic's envelope and call; throws {@link ExtrinsicFormatError} on any malformation.
 * `hash`: the blake2-256 of `bytes` when the caller computed it already (it is not checked).
 *
 * A signer is `MultiAddress::Id` (`0x00 ++ AccountId32`, as V14 metadata declares it) or a bare
 * `AccountId32`: Crust's runtime had `Address = AccountId`, and @polkadot/api 4.x clients with
 * @crustio/type-definitions still encode it so. The `MultiAddress` reading is taken when the whole
 * extrinsic decodes that way, else the bare one, so every node reads the same bytes the same way.
 */
export function decodeExtrinsic(runtime: ExtrinsicRuntime, bytes: Uint8Array, hash?: Uint8Array): DecodedExtrinsic {
  const len = readCompact(bytes, 0)
  if (len === undefined || len.value !== BigInt(bytes.length - len.length)) {
    throw new ExtrinsicFormatError('the length prefix does not match the extrinsic length')
  }
  const start = len.length + 1
  const version = bytes[len.length]
  if (version === UNSIGNED_V4) return finish(runtime, bytes, undefined, start, hash)
  if (version !== SIGNED_V4) throw new ExtrinsicFormatError(`unsupported extrinsic version byte 0x${(version ?? 0).toString(16)}`)
  if (bytes[start] === 0) {
    try {
      const { signed, end } = readSignedPart(bytes, start + 1)
      return finish(runtime, bytes, signed, end, hash)
    } catch (err) {
      if (!(err instanceof ExtrinsicFormatError)) throw err
      try {
        const { signed, end } = readSignedPart(bytes, start)
        return finish(runtime, bytes, signed, end, hash)
      } catch {
        throw err
      }
    }
  }
  const { signed, end } = readSignedPart(bytes, start)
  return finish(runtime, bytes, signed, end, hash)
}

/** Reads `AccountId32 ++ MultiSignature ++ extra` from `o`. */
function readSignedPart(bytes: Uint8Array, from: number): { signed: SignedPart; end: number } {
  let o = from
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
  const signed: SignedPart = {
    signer,
    scheme: sigType === 0 ? 'ed25519' : sigType === 1 ? 'sr25519' : 'ecdsa',
    signature: multiSignature.subarray(1),
    multiSignature,
    era: era.era,
    nonce: Number(nonce.value),
    tip: tip.value,
    extra: bytes.subarray(extraStart, o),
  }
  return { signed, end: o }
}

function finish(
  runtime: ExtrinsicRuntime,
  bytes: Uint8Array,
  signed: SignedPart | undefined,
  callStart: number,
  hash: Uint8Array | undefined,
): DecodedExtrinsic {
  const callBytes = bytes.subarray(callStart)
  let call: RuntimeCallValue
  try {
    call = runtime.decodeCall(callBytes)
  } catch (err) {
    throw new ExtrinsicFormatError('the call does not decode', err)
  }
  return { bytes, hash: hash ?? blake2AsU8a(bytes, 256), signed, callBytes, call }
}

/** The bytes a signer signs: call ++ extra ++ additional-signed, hashed when over 256 bytes. */
export function signingPayload(runtime: ExtrinsicRuntime, xt: DecodedExtrinsic, genesisHash: Uint8Array, birthHash: Uint8Array): Uint8Array {
  if (xt.signed === undefined) throw new Error('unsigned extrinsic has no signing payload')
  const additional = new Uint8Array(8)
  const view = new DataView(additional.buffer)
  view.setUint32(0, runtime.config.specVersion, true)
  view.setUint32(4, runtime.config.transactionVersion, true)
  const payload = concatBytes(xt.callBytes, xt.signed.extra, additional, genesisHash, birthHash)
  return payload.length > 256 ? blake2AsU8a(payload, 256) : payload
}

/** An unsigned (inherent) extrinsic for `call`. */
export function encodeUnsigned(callBytes: Uint8Array): Uint8Array {
  const body = concatBytes(Uint8Array.of(UNSIGNED_V4), callBytes)
  return concatBytes(encodeCompact(body.length), body)
}
