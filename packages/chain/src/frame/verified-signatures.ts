/**
 * Signatures this node has already checked, so a transaction is verified once per node: when it
 * enters the pool (from RPC or a peer) and not again when a block carrying the same bytes is
 * imported. An entry is the blake2-256 of the extrinsic's hash (the hash of its full bytes: signer,
 * signature, era, nonce, tip, call) followed by the exact payload the signature was checked
 * against (call, extra, spec and transaction versions, genesis and birth block hashes): a hit means
 * this very signature was valid over this very payload, on any fork. Only successes are kept, so a
 * forged or altered extrinsic always reaches the real check. Nonce, era and fees are not cached:
 * they are checked again when the extrinsic is applied.
 */
import { u8aToHex } from '@polkadot/util'
import { blake2AsU8a } from '@polkadot/util-crypto'
import { type DecodedExtrinsic, type SignedPart, verifySignature } from './extrinsic.js'
import { concatBytes } from '../primitives/hashing.js'

/**
 * Default bound: above the pool's default capacity (8,192 ready + 2,048 future), so a transaction
 * pooled here is still known when the block that includes it arrives.
 */
export const DEFAULT_VERIFIED_SIGNATURES = 16_384

export class VerifiedSignatures {
  /** Entry keys (0x-hex), oldest first; the oldest leave past `capacity`. */
  private readonly known = new Set<string>()
  private hitCount = 0

  constructor(readonly capacity = DEFAULT_VERIFIED_SIGNATURES) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity: expected a whole number >= 0, got ${capacity}`)
  }

  /** Checks `xt`'s signature over `payload` (its signing payload), unless this node already found it valid. */
  verify(xt: DecodedExtrinsic & { signed: SignedPart }, payload: Uint8Array): boolean {
    const key = u8aToHex(blake2AsU8a(concatBytes(xt.hash, payload), 256))
    if (this.known.has(key)) {
      this.hitCount++
      return true
    }
    if (!verifySignature(xt.signed, payload)) return false
    if (this.capacity === 0) return true
    this.known.add(key)
    if (this.known.size > this.capacity) this.known.delete(this.known.values().next().value!)
    return true
  }

  /** How many checks the cache answered (a measure of work saved). */
  get hits(): number {
    return this.hitCount
  }

  get size(): number {
    return this.known.size
  }
}
