/**
 * A streaming CAR (v1 and v2) reader for `dag/import` that never holds more than one bounded
 * section: each section's varint length is read and checked against the limit first, then exactly
 * that many bytes are read. A section that declares more than the limit is refused before any of
 * it is read (a CAR saying "1 GiB follows" costs the node nothing).
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { KuboApiError } from '../errors.js'

/** Largest CID a section may carry on top of its block (identity CIDs are capped at 128 bytes by Kubo). */
export const CAR_MAX_CID_BYTES = 1024
/** CARv2: the 11-byte pragma (a CARv1 header saying version 2) is followed by this fixed header. */
const CAR_V2_HEADER_BYTES = 40
const CAR_V2_PRAGMA_BYTES = 11

/** A malformed or truncated CAR (a command error, reported as `import failed ...`). */
function malformed(message: string): KuboApiError {
  return KuboApiError.command(message)
}

/** Answers a section (or header) that declares more bytes than allowed; called before any of it is read. */
export type CarTooLarge = (declared: number) => KuboApiError

/** Reads exact byte counts from an async byte stream, holding at most one source chunk beyond them. */
class ByteReader {
  private readonly source: AsyncIterator<Uint8Array>
  private chunk: Uint8Array = new Uint8Array(0)
  private offset = 0
  /** Bytes consumed by the reader so far. */
  position = 0

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]()
  }

  /** Makes at least one unread byte available; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    while (this.offset >= this.chunk.byteLength) {
      const next = await this.source.next()
      if (next.done === true) return false
      this.chunk = next.value
      this.offset = 0
    }
    return true
  }

  /** An unsigned LEB128 varint; undefined when the stream ends cleanly before it. */
  async varint(): Promise<number | undefined> {
    let value = 0
    for (let i = 0; ; i++) {
      if (!(await this.fill())) {
        if (i === 0) return undefined
        throw malformed('unexpected end of data in a varint')
      }
      const byte = this.chunk[this.offset++]!
      this.position++
      value += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0) throw malformed('varint not minimally encoded')
        return value
      }
      if (i >= 7) throw malformed('varint too long')
    }
  }

  /** Exactly `length` bytes (the caller bounds `length`). */
  async exactly(length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      if (!(await this.fill())) throw malformed('unexpected end of data')
      const take = Math.min(length - filled, this.chunk.byteLength - this.offset)
      out.set(this.chunk.subarray(this.offset, this.offset + take), filled)
      this.offset += take
      filled += take
      this.position += take
    }
    return out
  }

  /** Reads (and drops) the rest of the stream, so whatever comes after it can be read. */
  async discardRest(): Promise<void> {
    this.position += this.chunk.byteLength - this.offset
    this.offset = this.chunk.byteLength
    for (let next = await this.source.next(); next.done !== true; next = await this.source.next()) this.position += next.value.byteLength
  }

  /** Drops `length` bytes without keeping them. */
  async skip(length: number): Promise<void> {
    let left = length
    while (left > 0) {
      if (!(await this.fill())) throw malformed('unexpected end of data')
      const take = Math.min(left, this.chunk.byteLength - this.offset)
      this.offset += take
      left -= take
      this.position += take
    }
  }
}

function u64le(bytes: Uint8Array, at: number): number {
  const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at, true)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('CARv2 offset out of range')
  return Number(value)
}

/** A CAR's roots and a stream of its blocks, each at most `blockLimit` bytes. */
export interface CarStream {
  roots: CID[]
  blocks(): AsyncGenerator<{ cid: CID; bytes: Uint8Array }>
}

async function readHeader(reader: ByteReader, limit: number, tooLarge: CarTooLarge): Promise<{ version: number; roots?: unknown }> {
  const length = await reader.varint()
  if (length === undefined) throw malformed('empty CAR: no header')
  if (length === 0) throw malformed('invalid CAR header (zero length)')
  if (length > limit) throw tooLarge(length)
  let header: unknown
  try {
    header = dagCbor.decode(await reader.exactly(length))
  } catch (err) {
    if (err instanceof KuboApiError) throw err
    throw malformed(`invalid CAR header: ${(err as Error).message}`)
  }
  if (header === null || typeof header !== 'object' || typeof (header as { version?: unknown }).version !== 'number') {
    throw malformed('invalid CAR header format')
  }
  return header as { version: number; roots?: unknown }
}

function rootsOf(header: { roots?: unknown }): CID[] {
  if (!Array.isArray(header.roots)) throw malformed('invalid CAR header format')
  return header.roots.map((r) => {
    const cid = CID.asCID(r)
    if (cid === null) throw malformed('invalid CAR header: a root is not a CID')
    return cid
  })
}

/**
 * Opens a CAR stream: reads its header (CARv1, or CARv2's pragma, header and inner CARv1 header),
 * then yields blocks one section at a time. A section longer than `blockLimit` plus a CID is
 * refused with `tooLarge(declared)` before it is read; block sizes are checked by the caller.
 */
export async function openCar(source: AsyncIterable<Uint8Array>, blockLimit: number, tooLarge: CarTooLarge): Promise<CarStream> {
  const reader = new ByteReader(source)
  const sectionLimit = blockLimit + CAR_MAX_CID_BYTES
  let header = await readHeader(reader, sectionLimit, tooLarge)
  let end = Number.POSITIVE_INFINITY
  if (header.version === 2) {
    if (header.roots !== undefined || reader.position !== CAR_V2_PRAGMA_BYTES) throw malformed('invalid CARv2 pragma')
    const v2 = await reader.exactly(CAR_V2_HEADER_BYTES)
    const dataOffset = u64le(v2, 16)
    const dataSize = u64le(v2, 24)
    if (dataOffset < reader.position) throw malformed('invalid CARv2 data offset')
    await reader.skip(dataOffset - reader.position)
    end = dataOffset + dataSize
    header = await readHeader(reader, sectionLimit, tooLarge)
    if (header.version !== 1) throw malformed(`invalid CAR version: ${header.version} (expected 1)`)
  } else if (header.version !== 1) {
    throw malformed(`invalid CAR version: ${header.version}`)
  }
  const roots = rootsOf(header)
  return {
    roots,
    async *blocks() {
      while (reader.position < end) {
        const length = await reader.varint()
        if (length === undefined) {
          if (end !== Number.POSITIVE_INFINITY) throw malformed('unexpected end of CARv2 data')
          return
        }
        if (length === 0) throw malformed('invalid CAR section (zero length)')
        // The check comes before the read: nothing of an oversized section is buffered.
        if (length > sectionLimit) throw tooLarge(length)
        const section = await reader.exactly(length)
        let cid: CID
        let bytes: Uint8Array
        try {
          ;[cid, bytes] = CID.decodeFirst(section)
        } catch (err) {
          throw malformed(`invalid CID in CAR section: ${(err as Error).message}`)
        }
        yield { cid, bytes }
      }
      // CARv2: what follows the data (an index) is not needed, but the part must be read to its end.
      await reader.discardRest()
    },
  }
}
