/**
 * Wire formats: a block is `Compact<len> ++ header (SCALE) ++ body (SCALE Vec<extrinsic>)`; sync
 * requests and the status answer are JSON.
 */
import { decodeBody, encodeBody } from '@crust-ts/chain'
import { compactFromU8a, compactToU8a, u8aConcat } from '@polkadot/util'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { MAX_BODIES_PER_REQUEST, MAX_STATE_KEY_BYTES } from './constants.js'
import { ConsensusError, ConsensusErrorCode } from './errors.js'

export interface WireBlock {
  header: Uint8Array
  extrinsics: Uint8Array[]
}

export function encodeBlock(block: WireBlock): Uint8Array {
  return u8aConcat(compactToU8a(block.header.length), block.header, encodeBody(block.extrinsics))
}

/**
 * A plain `Uint8Array` copy: network data often arrives as Node `Buffer` views, whose `slice`
 * shares memory (and the SCALE decoders read from the start of the underlying buffer).
 */
export const plainBytes = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)

/** A block body (SCALE `Vec<extrinsic>`) from a peer; a body that does not decode is a BAD_MESSAGE. */
export function decodeWireBody(bytes: Uint8Array): Uint8Array[] {
  try {
    return decodeBody(plainBytes(bytes))
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the block body does not decode', undefined, { cause: err })
  }
}

export function decodeBlock(bytes: Uint8Array): WireBlock {
  try {
    const [offset, length] = compactFromU8a(bytes)
    const end = offset + length.toNumber()
    if (end > bytes.length) throw new RangeError('header length beyond the message')
    return { header: plainBytes(bytes.subarray(offset, end)), extrinsics: decodeBody(plainBytes(bytes.subarray(end))) }
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the block does not decode', undefined, { cause: err })
  }
}

/** A sync request. */
export type SyncRequest =
  /** The peer's genesis, best and finalized blocks. */
  | { type: 'status' }
  /** Best-chain blocks from number `from` upwards, at most `max`. */
  | { type: 'range'; from: number; max: number }
  /** Block `hash` and its ancestors (any stored block, forks too), highest first, at most `max`. */
  | { type: 'ancestors'; hash: string; max: number }
  /** Best-chain headers (SCALE bytes, one per frame) from number `from` upwards, at most `max` (capped by the server). */
  | { type: 'headers'; from: number; max: number }
  /**
   * Bodies (SCALE `Vec<extrinsic>`, one per frame) of blocks `hashes` (0x hex, at most
   * {@link MAX_BODIES_PER_REQUEST}), in order, stopping at the first unknown one or at the response's byte budget.
   */
  | { type: 'bodies'; hashes: string[] }
  /** Justifications of best-chain finalized blocks from number `from` upwards (ascending), at most `max`. */
  | { type: 'justifications'; from: number; max: number }
  /**
   * The key/value pairs of the state at block `hash`, ascending by key, strictly after `startAfter`
   * (0x hex; from the first key when absent), at most `max` (capped by the server). The answer is a
   * {@link StateAnswer} frame, then one frame per pair ({@link encodeStatePair}).
   */
  | { type: 'state'; hash: string; startAfter?: string; max: number }
  /**
   * The authority proof of block `hash` (`Chain.proveAuthorities`): one trie node encoding per
   * frame; no frame when the server does not have that block's state.
   */
  | { type: 'authorities'; hash: string }

export interface BlockRef {
  number: number
  hash: string
}

export interface SyncStatus {
  genesis: string
  best: BlockRef
  finalized: BlockRef
}

const BLOCK_HASH = /^0x[0-9a-f]{64}$/
const STATE_KEY = new RegExp(`^0x(?:[0-9a-f]{2}){1,${MAX_STATE_KEY_BYTES}}$`)

/**
 * The first frame of a `state` answer, one byte: the server does not have that state (unknown
 * block, or pruned), or it follows, with more after this chunk or ending with it.
 */
export const StateAnswer = { UNAVAILABLE: 0, MORE: 1, COMPLETE: 2 } as const
export type StateAnswer = (typeof StateAnswer)[keyof typeof StateAnswer]

/** A state pair on the wire: `Compact<key length> ++ key ++ value`. */
export function encodeStatePair(key: Uint8Array, value: Uint8Array): Uint8Array {
  // One allocation and three copies: a server encodes every pair of a state it serves, and
  // `u8aConcat`'s generic path took about twice as long in a profile of a state download.
  const prefix = compactToU8a(key.length)
  const out = new Uint8Array(prefix.length + key.length + value.length)
  out.set(prefix, 0)
  out.set(key, prefix.length)
  out.set(value, prefix.length + key.length)
  return out
}

/** Decodes a state pair frame; BAD_MESSAGE when it does not decode or its key is empty or longer than {@link MAX_STATE_KEY_BYTES}. */
export function decodeStatePair(bytes: Uint8Array): [key: Uint8Array, value: Uint8Array] {
  try {
    const [offset, length] = compactFromU8a(bytes)
    const keyLength = length.toNumber()
    if (keyLength === 0 || keyLength > MAX_STATE_KEY_BYTES) throw new RangeError(`key of ${keyLength} bytes`)
    const end = offset + keyLength
    if (end > bytes.length) throw new RangeError('key beyond the frame')
    return [plainBytes(bytes.subarray(offset, end)), plainBytes(bytes.subarray(end))]
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the state pair does not decode', undefined, { cause: err })
  }
}

export function parseRequest(bytes: Uint8Array): SyncRequest {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the request is not JSON', undefined, { cause: err })
  }
  const r = json as Record<string, unknown>
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
  if (r?.type === 'status') return { type: 'status' }
  if (r?.type === 'range' && count(r.from) && count(r.max)) return { type: 'range', from: r.from, max: r.max }
  if (r?.type === 'headers' && count(r.from) && count(r.max)) return { type: 'headers', from: r.from, max: r.max }
  if (
    r?.type === 'bodies' &&
    Array.isArray(r.hashes) &&
    r.hashes.length <= MAX_BODIES_PER_REQUEST &&
    r.hashes.every((h) => typeof h === 'string' && BLOCK_HASH.test(h))
  ) {
    return { type: 'bodies', hashes: r.hashes as string[] }
  }
  if (r?.type === 'justifications' && count(r.from) && count(r.max)) return { type: 'justifications', from: r.from, max: r.max }
  if (
    r?.type === 'state' &&
    typeof r.hash === 'string' &&
    BLOCK_HASH.test(r.hash) &&
    count(r.max) &&
    (r.startAfter === undefined || (typeof r.startAfter === 'string' && STATE_KEY.test(r.startAfter)))
  ) {
    return { type: 'state', hash: r.hash, max: r.max, ...(r.startAfter === undefined ? {} : { startAfter: r.startAfter as string }) }
  }
  if (r?.type === 'authorities' && typeof r.hash === 'string' && BLOCK_HASH.test(r.hash)) return { type: 'authorities', hash: r.hash }
  if (r?.type === 'ancestors' && typeof r.hash === 'string' && BLOCK_HASH.test(r.hash) && count(r.max)) return { type: 'ancestors', hash: r.hash, max: r.max }
  throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'unknown sync request')
}

export function parseStatus(bytes: Uint8Array): SyncStatus {
  try {
    const s = JSON.parse(new TextDecoder().decode(bytes)) as SyncStatus
    if (typeof s.genesis !== 'string' || typeof s.best?.number !== 'number' || typeof s.best?.hash !== 'string') throw new TypeError('not a status')
    return s
  } catch (err) {
    throw new ConsensusError(ConsensusErrorCode.BAD_MESSAGE, 'the status does not decode', undefined, { cause: err })
  }
}

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

/** Bounds on the frames of one message stream (a request, a response, a push). */
export interface FrameLimits {
  /** Most frames. */
  frames: number
  /** Largest frame. */
  frameBytes: number
  /** Most bytes over all frames. */
  bytes: number
}

/**
 * The length-prefixed frames of `source` until it ends, within `limits`: a frame, frame count or
 * byte total beyond them throws LIMIT_EXCEEDED at once (nothing more is read; the caller aborts the stream).
 */
export async function readFrames(source: AsyncIterable<Uint8Array | Uint8ArrayList>, limits: FrameLimits): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  let bytes = 0
  try {
    for await (const frame of lp.decode(source, { maxDataLength: limits.frameBytes })) {
      bytes += frame.byteLength
      if (out.length >= limits.frames) throw new ConsensusError(ConsensusErrorCode.LIMIT_EXCEEDED, `more than ${limits.frames} frames`)
      if (bytes > limits.bytes) throw new ConsensusError(ConsensusErrorCode.LIMIT_EXCEEDED, `more than ${limits.bytes} bytes`)
      out.push(plainBytes(frame.subarray()))
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'InvalidDataLengthError')
      throw new ConsensusError(ConsensusErrorCode.LIMIT_EXCEEDED, `a frame larger than ${limits.frameBytes} bytes`, undefined, { cause: err })
    throw err
  }
  return out
}
