/**
 * The bytes sWorker signs and the chain verifies, defined once for both sides (no crypto here):
 * the work report payload (crustio/crust: cstrml/swork/src/lib.rs `work_report_sig_check`,
 * utils.rs `encode_files`), the registration payload, the stand-in IAS report body, and the
 * conversions between standard P-256 encodings and Crust's little-endian sWorker form.
 */
import {
  P256_PUBLIC_KEY_LENGTH,
  QUOTE_BODY_LENGTH,
  QUOTE_CODE_END,
  QUOTE_CODE_OFFSET,
  QUOTE_PUBKEY_END,
  QUOTE_PUBKEY_OFFSET,
  SWORKER_KEY_LENGTH,
} from './constants.js'

export {
  P256_PUBLIC_KEY_LENGTH,
  QUOTE_BODY_LENGTH,
  QUOTE_CODE_END,
  QUOTE_CODE_OFFSET,
  QUOTE_PUBKEY_END,
  QUOTE_PUBKEY_OFFSET,
  SWORKER_KEY_LENGTH,
} from './constants.js'

/** One entry of `added_files` / `deleted_files`: (cid bytes, size, c_block_num). */
export type ReportedFile = [cid: Uint8Array, size: bigint, cBlockNum: bigint]

/** The signed fields of `swork.report_works`, named as the call's arguments. */
export interface WorkReportPayloadFields {
  curr_pk: Uint8Array
  ab_upgrade_pk: Uint8Array
  slot: bigint
  slot_hash: Uint8Array
  reported_srd_size: bigint
  reported_files_size: bigint
  added_files: ReportedFile[]
  deleted_files: ReportedFile[]
  reported_srd_root: Uint8Array
  reported_files_root: Uint8Array
}

const encoder = new TextEncoder()

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** A non-negative integer as its ASCII decimal digits (Rust's `u64.to_string().as_bytes()`). */
export function asciiDecimal(value: bigint | number): Uint8Array {
  if (value < 0) throw new RangeError('asciiDecimal: negative value')
  return encoder.encode(BigInt(value).toString(10))
}

const FILE_OPEN = encoder.encode('{"cid":"')
const FILE_SIZE = encoder.encode('","size":')
const FILE_BLOCK = encoder.encode(',"c_block_num":')
const FILE_CLOSE = encoder.encode('}')
const COMMA = encoder.encode(',')
const LIST_OPEN = encoder.encode('[')
const LIST_CLOSE = encoder.encode(']')

/**
 * A file list as Crust signs it: `[{"cid":"<raw cid bytes>","size":N,"c_block_num":N},...]`, no
 * spaces, the cid bytes copied as they are (not escaped); `[]` when empty. Written into one buffer
 * (a report carries up to 300 files).
 */
export function encodeFiles(files: readonly ReportedFile[]): Uint8Array {
  const digits = files.map(([, size, block]) => {
    if (size < 0n || block < 0n) throw new RangeError('encodeFiles: negative size or block')
    return [size.toString(10), block.toString(10)] as const
  })
  const fixed = FILE_OPEN.length + FILE_SIZE.length + FILE_BLOCK.length + FILE_CLOSE.length
  let length = 2 + Math.max(0, files.length - 1)
  files.forEach(([cid], i) => {
    length += fixed + cid.length + digits[i]![0].length + digits[i]![1].length
  })
  const out = new Uint8Array(length)
  let offset = 0
  const put = (bytes: Uint8Array) => {
    out.set(bytes, offset)
    offset += bytes.length
  }
  const putAscii = (text: string) => {
    for (let i = 0; i < text.length; i++) out[offset++] = text.charCodeAt(i)
  }
  put(LIST_OPEN)
  files.forEach(([cid], i) => {
    if (i > 0) put(COMMA)
    put(FILE_OPEN)
    put(cid)
    put(FILE_SIZE)
    putAscii(digits[i]![0])
    put(FILE_BLOCK)
    putAscii(digits[i]![1])
    put(FILE_CLOSE)
  })
  put(LIST_CLOSE)
  return out
}

/**
 * The bytes the enclave key signs for a work report: curr_pk ‖ ab_upgrade_pk ‖ dec(slot) ‖
 * slot_hash ‖ dec(reported_srd_size) ‖ dec(reported_files_size) ‖ reported_srd_root ‖
 * reported_files_root ‖ J(added_files) ‖ J(deleted_files).
 */
export function workReportPayload(fields: WorkReportPayloadFields): Uint8Array {
  return concat([
    fields.curr_pk,
    fields.ab_upgrade_pk,
    asciiDecimal(fields.slot),
    fields.slot_hash,
    asciiDecimal(fields.reported_srd_size),
    asciiDecimal(fields.reported_files_size),
    fields.reported_srd_root,
    fields.reported_files_root,
    encodeFiles(fields.added_files),
    encodeFiles(fields.deleted_files),
  ])
}

/** The bytes the enclave key signs to bind itself to an account: ias_cert ‖ ias_sig ‖ isv_body ‖ applier (32 bytes). */
export function registerPayload(ias_cert: Uint8Array, ias_sig: Uint8Array, isv_body: Uint8Array, applier: Uint8Array): Uint8Array {
  return concat([ias_cert, ias_sig, isv_body, applier])
}

function reverseHalves(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(SWORKER_KEY_LENGTH)
  for (let i = 0; i < 32; i++) {
    out[i] = bytes[31 - i]!
    out[32 + i] = bytes[63 - i]!
  }
  return out
}

/** An uncompressed SEC1 P-256 public key (0x04 ‖ x ‖ y, big-endian) in Crust's form: x and y each little-endian (64 bytes). */
export function publicKeyToSworker(uncompressed: Uint8Array): Uint8Array {
  if (uncompressed.length !== P256_PUBLIC_KEY_LENGTH || uncompressed[0] !== 4) throw new RangeError('expected a 65-byte uncompressed P-256 public key')
  return reverseHalves(uncompressed.subarray(1))
}

/** Crust's 64-byte little-endian public key as an uncompressed SEC1 key (0x04 ‖ x ‖ y, big-endian). */
export function sworkerToPublicKey(pk: Uint8Array): Uint8Array {
  if (pk.length !== SWORKER_KEY_LENGTH) throw new RangeError('expected a 64-byte sWorker public key')
  return concat([Uint8Array.of(4), reverseHalves(pk)])
}

/** An IEEE P1363 ECDSA signature (r ‖ s, big-endian, 64 bytes) in Crust's form: r and s each little-endian. */
export function signatureToSworker(rs: Uint8Array): Uint8Array {
  if (rs.length !== SWORKER_KEY_LENGTH) throw new RangeError('expected a 64-byte r ‖ s signature')
  return reverseHalves(rs)
}

/** Crust's little-endian signature as IEEE P1363 (r ‖ s, big-endian). */
export function sworkerToSignature(sig: Uint8Array): Uint8Array {
  if (sig.length !== SWORKER_KEY_LENGTH) throw new RangeError('expected a 64-byte sWorker signature')
  return reverseHalves(sig)
}

/** An SGX EPID quote body (432 bytes): version 2, the enclave code at 112..144, the enclave public key at 368..432. */
export function quoteBodyFor(code: Uint8Array, pubkey: Uint8Array): Uint8Array {
  if (code.length !== QUOTE_CODE_END - QUOTE_CODE_OFFSET) throw new RangeError('expected a 32-byte enclave code')
  if (pubkey.length !== QUOTE_PUBKEY_END - QUOTE_PUBKEY_OFFSET) throw new RangeError('expected a 64-byte sWorker public key')
  const body = new Uint8Array(QUOTE_BODY_LENGTH)
  body[0] = 2
  body.set(code, QUOTE_CODE_OFFSET)
  body.set(pubkey, QUOTE_PUBKEY_OFFSET)
  return body
}

/**
 * The attestation report body (`isv_body`) for an enclave: JSON as Intel's attestation service
 * wrote it, with `isvEnclaveQuoteBody` (base64) carrying the code and the sWorker public key.
 */
export function isvBodyFor(code: Uint8Array, pubkey: Uint8Array): Uint8Array {
  const quote = Buffer.from(quoteBodyFor(code, pubkey)).toString('base64')
  return encoder.encode(JSON.stringify({ version: 4, isvEnclaveQuoteStatus: 'OK', isvEnclaveQuoteBody: quote }))
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The enclave code and public key an `isv_body` claims, parsed as Crust does (JSON, strict
 * base64 `isvEnclaveQuoteBody` of 432 bytes, code at 112..144, key at 368..432); undefined when it
 * does not parse.
 */
export function parseIsvBody(isv_body: Uint8Array): { code: Uint8Array; pubkey: Uint8Array } | undefined {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(isv_body))
  } catch {
    return undefined
  }
  if (typeof json !== 'object' || json === null) return undefined
  const quote = (json as Record<string, unknown>).isvEnclaveQuoteBody
  if (typeof quote !== 'string' || !BASE64.test(quote)) return undefined
  const body = new Uint8Array(Buffer.from(quote, 'base64'))
  // Crust takes the key as bytes 368.. to the end; a body of any other length would give a key of
  // the wrong size, which Crust's verifier rejects (by panicking).
  if (body.length !== QUOTE_BODY_LENGTH) return undefined
  return { code: body.slice(QUOTE_CODE_OFFSET, QUOTE_CODE_END), pubkey: body.slice(QUOTE_PUBKEY_OFFSET, QUOTE_PUBKEY_END) }
}
