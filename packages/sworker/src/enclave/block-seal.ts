/**
 * The sealing of one block, shared by the enclave's own thread and its seal worker threads:
 * AES-256-GCM under the sealing key with the block's CID as AAD, and the checks and hashing that
 * come with sealing a block of a file for the sealed store.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { storageProof } from '@crust-ts/protocol'
import { GCM_IV_LENGTH, SEAL_OVERHEAD, SEALED_BLOCK_FORMAT } from './constants.js'
import type { ContentHashing, SealedRecord } from './interface.js'

/** Multihash codes a block can be verified against. */
export const SHA256_CODE = 0x12
export const IDENTITY_CODE = 0x00

/** One block to seal for the sealed store (what crosses to a seal worker thread). */
export interface BlockSealJob {
  /** CID bytes (the AAD). */
  cid: Uint8Array
  /** Multihash code and digest of the CID ({@link SHA256_CODE} or {@link IDENTITY_CODE}). */
  hashCode: number
  digest: Uint8Array
  block: Uint8Array
  /** Bytes put before the sealed block in the record. */
  prefix: Uint8Array
  /** Also hash the block's whole segments from byte `start` into the file's content tree (`storageProof.hashSubtrees`). */
  content?: ContentHashing
}

/** True if `block` hashes to `digest` under multihash `hashCode` (sha256 or identity). */
export function digestMatches(hashCode: number, digest: Uint8Array, block: Uint8Array): boolean {
  if (hashCode === SHA256_CODE) return createHash('sha256').update(block).digest().equals(digest)
  if (hashCode === IDENTITY_CODE) return Buffer.from(block.buffer, block.byteOffset, block.byteLength).equals(digest)
  return false
}

/**
 * Seals `block` into `out` (or a fresh buffer) at byte `offset`: format ‖ IV ‖ tag ‖ ciphertext,
 * and returns the first `offset + SEAL_OVERHEAD + block.length` bytes of it (the caller fills
 * the first `offset`). A fresh buffer owns its memory (not a slice of Node's pool), so it can be
 * transferred to another thread.
 */
export function sealInto(key: Uint8Array, cid: Uint8Array, block: Uint8Array, offset: number, out?: Uint8Array): Buffer {
  const length = offset + SEAL_OVERHEAD + block.length
  if (out !== undefined && out.length < length) throw new RangeError('sealInto: the output buffer is too small')
  const target = out === undefined ? Buffer.allocUnsafeSlow(length) : Buffer.from(out.buffer, out.byteOffset, length)
  const iv = randomBytes(GCM_IV_LENGTH)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(cid)
  target[offset] = SEALED_BLOCK_FORMAT
  target.set(iv, offset + 1)
  const body = offset + SEAL_OVERHEAD
  const head = cipher.update(block)
  head.copy(target, body)
  const tail = cipher.final()
  if (tail.length > 0) tail.copy(target, body + head.length)
  cipher.getAuthTag().copy(target, offset + 1 + GCM_IV_LENGTH)
  return target
}

/**
 * Verifies, seals and hashes one block (and, with `job.content`, its whole segments for the
 * content tree), writing the record into `out` if given (else a fresh buffer); undefined if the
 * block does not match its CID.
 */
export function sealRecord(key: Uint8Array, job: BlockSealJob, out?: Uint8Array): SealedRecord | undefined {
  if (!digestMatches(job.hashCode, job.digest, job.block)) return undefined
  const record = sealInto(key, job.cid, job.block, job.prefix.length, out)
  record.set(job.prefix, 0)
  // A copy that owns its 32 bytes: the digest may be a slice of Node's shared pool.
  const leaf = new Uint8Array(createHash('sha256').update(record).digest())
  if (job.content === undefined) return { record, leaf }
  const { start, firstSegment, maxHeight } = job.content
  return { record, leaf, contentSubtrees: storageProof.hashSubtrees(job.block, start, firstSegment, maxHeight) }
}
