/** Substrate's block header and block body encodings, and the header JSON of the RPC API. */
import { CodecError, CodecErrorCode } from './errors.js'
import { hexToU8a, u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { decode } from './codec/decode.js'
import { compactU32, fixedBytes, type Infer, struct, vec } from './codec/scale-type.js'
import { digestItem } from './digest.js'
import { encodeCompact, readCompact } from './compact.js'
import { concatBytes } from './hashing.js'

export const headerType = struct(['sp_runtime', 'generic', 'header', 'Header'], {
  parentHash: fixedBytes(32),
  number: compactU32,
  stateRoot: fixedBytes(32),
  extrinsicsRoot: fixedBytes(32),
  digest: vec(digestItem),
})
export type Header = Infer<typeof headerType>

export const encodeHeader = (header: Header): Uint8Array => headerType.codec.enc(header)
export const decodeHeader = (bytes: Uint8Array): Header => decode(headerType.codec, bytes)

/** Block hash: blake2-256 of the SCALE-encoded header, as Substrate (and the client) compute it. */
export const hashHeader = (encoded: Uint8Array): Uint8Array => blake2AsU8a(encoded, 256)

/** The root committing to a block's extrinsics, in order: blake2-256 over their hashes. */
export function extrinsicsRoot(extrinsics: Uint8Array[]): Uint8Array {
  return blake2AsU8a(concatBytes(...extrinsics.map((x) => blake2AsU8a(x, 256))), 256)
}

/** Header JSON as `chain_getHeader` returns it. */
export interface HeaderJson {
  parentHash: string
  number: string
  stateRoot: string
  extrinsicsRoot: string
  digest: { logs: string[] }
}

export function headerToJson(header: Header): HeaderJson {
  return {
    parentHash: u8aToHex(header.parentHash),
    number: `0x${header.number.toString(16)}`,
    stateRoot: u8aToHex(header.stateRoot),
    extrinsicsRoot: u8aToHex(header.extrinsicsRoot),
    digest: { logs: header.digest.map((item) => u8aToHex(digestItem.codec.enc(item))) },
  }
}

export function headerFromJson(json: HeaderJson): Header {
  return {
    parentHash: hexToU8a(json.parentHash),
    number: Number.parseInt(json.number, 16),
    stateRoot: hexToU8a(json.stateRoot),
    extrinsicsRoot: hexToU8a(json.extrinsicsRoot),
    digest: json.digest.logs.map((l) => decode(digestItem.codec, hexToU8a(l))),
  }
}

/** Block body: `Vec<UncheckedExtrinsic>`, i.e. the count then each extrinsic's own bytes (length-prefixed). */
export function encodeBody(extrinsics: Uint8Array[]): Uint8Array {
  return concatBytes(encodeCompact(extrinsics.length), ...extrinsics)
}

function corruptBody(offset: number): CodecError {
  return new CodecError({ code: CodecErrorCode.CORRUPT, what: 'block body', offset }, `corrupt block body at byte ${offset}`)
}

/** Splits a block body into its extrinsics; `CODEC_ERROR_CORRUPT` when the bytes do not hold them. */
export function decodeBody(body: Uint8Array): Uint8Array[] {
  const count = readCompact(body, 0)
  if (count === undefined) throw corruptBody(0)
  const out: Uint8Array[] = []
  let o = count.length
  for (let i = 0n; i < count.value; i++) {
    const len = readCompact(body, o)
    if (len === undefined) throw corruptBody(o)
    const end = o + len.length + Number(len.value)
    if (end > body.length) throw corruptBody(o)
    out.push(body.slice(o, end))
    o = end
  }
  return out
}
