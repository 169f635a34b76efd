/** Key and value encodings of the sealed store's file and block buckets. */
import type { FileRecord } from './interface.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Key of a file record: the utf-8 CID string. */
export function fileKey(cid: string): Uint8Array {
  return encoder.encode(cid)
}

/** Key of block `index` of file `cid`: cid ‖ 0x00 ‖ index (u32 BE), so a file's blocks sort in DAG order. */
export function blockKey(cid: string, index: number): Uint8Array {
  const prefix = encoder.encode(cid)
  const key = new Uint8Array(prefix.length + 5)
  key.set(prefix)
  new DataView(key.buffer).setUint32(prefix.length + 1, index)
  return key
}

/** First and past-the-end keys of a file's blocks. */
export function blockRange(cid: string): { start: Uint8Array; end: Uint8Array } {
  const prefix = encoder.encode(cid)
  const start = new Uint8Array(prefix.length + 1)
  start.set(prefix)
  const end = new Uint8Array(prefix.length + 1)
  end.set(prefix)
  end[prefix.length] = 1
  return { start, end }
}

/** Where a sealed block record lies in its file's data file: offset (u64 BE) ‖ length (u32 BE). */
export function encodeBlockRef(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(12)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(offset))
  view.setUint32(8, length)
  return out
}

/** Reads a block index value; undefined if malformed. */
export function decodeBlockRef(value: Uint8Array): { offset: number; length: number } | undefined {
  if (value.length !== 12) return undefined
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  return { offset: Number(view.getBigUint64(0)), length: view.getUint32(8) }
}

/** The head of a sealed block record: cid length (u16 BE) ‖ block CID bytes. */
export function sealedBlockPrefix(cid: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + cid.length)
  out[0] = cid.length >> 8
  out[1] = cid.length & 0xff
  out.set(cid, 2)
  return out
}

/** A sealed block record: cid length (u16 BE) ‖ block CID bytes ‖ sealed bytes. */
export function encodeSealedBlock(cid: Uint8Array, sealed: Uint8Array): Uint8Array {
  const prefix = sealedBlockPrefix(cid)
  const out = new Uint8Array(prefix.length + sealed.length)
  out.set(prefix)
  out.set(sealed, prefix.length)
  return out
}

/** Splits a sealed block record; undefined if malformed. */
export function decodeSealedBlock(value: Uint8Array): { cid: Uint8Array; sealed: Uint8Array } | undefined {
  if (value.length < 2) return undefined
  const length = (value[0]! << 8) | value[1]!
  if (value.length < 2 + length) return undefined
  return { cid: value.subarray(2, 2 + length), sealed: value.subarray(2 + length) }
}

export function encodeFileRecord(record: FileRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record))
}

export function decodeFileRecord(value: Uint8Array): FileRecord {
  return JSON.parse(decoder.decode(value)) as FileRecord
}
