/**
 * Adding a replica to a stored `FileInfoV2` by splicing its bytes: the header is read field by
 * field, the replica map is walked by its entries' lengths (owner, created_at and the sort position
 * are all a report needs), and the new entry is put in its sorted place. The layout stays Crust's
 * exactly; what changes is that a file with 100 replicas no longer costs a decode of 100 replica
 * objects and an encode of them all per added replica (~0.9 ms with scale-ts, ×300 files a report).
 * A file whose spower moves to another multiple moves its ripe replicas' sWorkers with it, found
 * by the walk. Left to the decoding path, which gives the same bytes: a replica due to ripen (it
 * changes), the first replica (the file's size check), a duplicate owner and a full file.
 */
import { encodeCompactLength, readCompactLength } from '../../primitives/codec/compact-length.js'
import { compactU128 } from '../../primitives/codec/scale-type.js'
import { calculateSpower } from './spower.js'
import { MAX_REPLICAS } from './constants.js'
import type { Replica } from './types.js'

/** A stored FileInfoV2's header, and where its replica entries lie. */
export interface FileBytes {
  raw: Uint8Array
  fileSize: bigint
  spower: bigint
  expiredAt: number
  calculatedAt: number
  amount: bigint
  prepaid: bigint
  /** The stored compact encodings of amount and prepaid (views of `raw`), written back when unchanged. */
  amountBytes: Uint8Array
  prepaidBytes: Uint8Array
  reportedReplicaCount: number
  remainingPaidCount: number
  /** Replica entries, and the offset of the first (after the map's compact length). */
  replicas: number
  entriesAt: number
}

function readCompact(bytes: Uint8Array, at: number): { value: bigint; size: number } {
  const b0 = bytes[at]!
  switch (b0 & 3) {
    case 0:
      return { value: BigInt(b0 >>> 2), size: 1 }
    case 1:
      return { value: BigInt((b0 | (bytes[at + 1]! << 8)) >>> 2), size: 2 }
    case 2:
      return { value: BigInt((b0 | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 2), size: 4 }
    default: {
      const n = (b0 >>> 2) + 4
      let value = 0n
      for (let i = n; i >= 1; i--) value = (value << 8n) | BigInt(bytes[at + i]!)
      return { value, size: 1 + n }
    }
  }
}

/** Reads a stored FileInfoV2's header and the start of its replica map. */
export function readFileBytes(raw: Uint8Array): FileBytes {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  let at = 24
  const amount = readCompact(raw, at)
  const amountBytes = raw.subarray(at, at + amount.size)
  at += amount.size
  const prepaid = readCompact(raw, at)
  const prepaidBytes = raw.subarray(at, at + prepaid.size)
  at += prepaid.size
  const reportedReplicaCount = view.getUint32(at, true)
  const remainingPaidCount = view.getUint32(at + 4, true)
  at += 8
  const replicas = readCompact(raw, at)
  return {
    raw,
    fileSize: view.getBigUint64(0, true),
    spower: view.getBigUint64(8, true),
    expiredAt: view.getUint32(16, true),
    calculatedAt: view.getUint32(20, true),
    amount: amount.value,
    prepaid: prepaid.value,
    amountBytes,
    prepaidBytes,
    reportedReplicaCount,
    remainingPaidCount,
    replicas: Number(replicas.value),
    entriesAt: at + replicas.size,
  }
}

/** What a walk over the replica map found. */
export interface ReplicaScan {
  /** The owner already holds a replica. */
  duplicate: boolean
  /** Some replica is due to ripen (its created_at + ready period has passed). */
  ripeningDue: boolean
  /** Byte offset where an entry for the owner goes to keep the map sorted. */
  insertAt: number
  /** The anchors of the ripe replicas (created_at None: credited with the file's spower), as views of the stored bytes. */
  ripeAnchors: Uint8Array[]
}

function compareOwner(raw: Uint8Array, at: number, owner: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = raw[at + i]! - owner[i]!
    if (d !== 0) return d
  }
  return 0
}

/** Walks the replica entries by their lengths. */
export function scanReplicas(file: FileBytes, owner: Uint8Array, ripeBefore: number): ReplicaScan {
  const { raw } = file
  let at = file.entriesAt
  let insertAt = -1
  let duplicate = false
  let ripeningDue = false
  const ripeAnchors: Uint8Array[] = []
  for (let i = 0; i < file.replicas; i++) {
    const order = compareOwner(raw, at, owner)
    if (order === 0) duplicate = true
    if (order > 0 && insertAt < 0) insertAt = at
    // owner 32, who 32, valid_at 4, anchor (compact length + bytes), is_reported 1, created_at Option<u32>.
    const anchor = readCompactLength(raw, at + 68)
    const anchorAt = at + 68 + anchor.size
    const flags = anchorAt + anchor.value + 1
    if (raw[flags] === 1) {
      const createdAt = (raw[flags + 1]! | (raw[flags + 2]! << 8) | (raw[flags + 3]! << 16) | (raw[flags + 4]! << 24)) >>> 0
      if (createdAt <= ripeBefore) ripeningDue = true
      at = flags + 5
    } else {
      ripeAnchors.push(raw.subarray(anchorAt, anchorAt + anchor.value))
      at = flags + 1
    }
  }
  if (at !== raw.length) throw new RangeError('a stored FileInfoV2 has bytes after its replicas')
  return { duplicate, ripeningDue, insertAt: insertAt < 0 ? at : insertAt, ripeAnchors }
}

/** The header and counts to write back, after the replica is added. */
export interface FileHeaderUpdate {
  spower: bigint
  expiredAt: number
  calculatedAt: number
  amount: bigint
  remainingPaidCount: number
}

/**
 * Whether the in-place path can add a replica for `owner` created at `createdAt` (a block number)
 * with this ready period at block `now`: the file has replicas, room for one more, no replica of
 * that owner, and none (the new one included) due to ripen.
 */
export function canAddInPlace(file: FileBytes, scan: ReplicaScan, createdAt: number, ready: number, now: number): boolean {
  if (file.replicas === 0 || file.replicas >= MAX_REPLICAS || scan.duplicate || scan.ripeningDue) return false
  return createdAt + ready > now
}

/** The file's spower with one more reported replica. */
export function spowerWithOneMore(file: FileBytes): bigint {
  return calculateSpower(file.fileSize, file.reportedReplicaCount + 1)
}

/** `Replica`'s SCALE bytes, written by hand (the struct codec built ~20 small arrays per entry). */
function encodeReplica(r: Replica): Uint8Array {
  const anchorLength = encodeCompactLength(r.anchor.length)
  const out = new Uint8Array(32 + 4 + anchorLength.length + r.anchor.length + 1 + (r.created_at === undefined ? 1 : 5))
  const view = new DataView(out.buffer)
  out.set(r.who, 0)
  view.setUint32(32, r.valid_at, true)
  out.set(anchorLength, 36)
  let at = 36 + anchorLength.length
  out.set(r.anchor, at)
  at += r.anchor.length
  out[at++] = r.is_reported ? 1 : 0
  if (r.created_at === undefined) out[at] = 0
  else {
    out[at] = 1
    view.setUint32(at + 1, r.created_at, true)
  }
  return out
}

/** The stored bytes with the replica spliced in at its sorted place and the header rewritten. */
export function withReplica(file: FileBytes, scan: ReplicaScan, owner: Uint8Array, replica: Replica, header: FileHeaderUpdate): Uint8Array {
  // Past its paid replicas a file's amount no longer changes: its stored bytes are reused.
  const amount = header.amount === file.amount ? file.amountBytes : compactU128.codec.enc(header.amount)
  const prepaid = file.prepaidBytes
  const count = encodeCompactLength(file.replicas + 1)
  const entry = encodeReplica(replica)
  const before = file.raw.subarray(file.entriesAt, scan.insertAt)
  const after = file.raw.subarray(scan.insertAt)
  const out = new Uint8Array(24 + amount.length + prepaid.length + 8 + count.length + before.length + 32 + entry.length + after.length)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, file.fileSize, true)
  view.setBigUint64(8, header.spower, true)
  view.setUint32(16, header.expiredAt, true)
  view.setUint32(20, header.calculatedAt, true)
  let at = 24
  for (const part of [amount, prepaid]) {
    out.set(part, at)
    at += part.length
  }
  view.setUint32(at, file.reportedReplicaCount + 1, true)
  view.setUint32(at + 4, header.remainingPaidCount, true)
  at += 8
  for (const part of [count, before, owner, entry, after]) {
    out.set(part, at)
    at += part.length
  }
  return out
}
